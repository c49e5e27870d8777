package app

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"
)

var metricRef = regexp.MustCompile(`\b(?:rampart|go|process)_[a-z0-9_]+\b`)

// registeredNames returns every metric name the App's registry describes.
func registeredNames(t *testing.T, a *App) map[string]bool {
	t.Helper()
	ch := make(chan *prometheus.Desc, 256)
	go func() { a.observe().registry.Describe(ch); close(ch) }()
	names := map[string]bool{}
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		if m := fq.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
		}
	}
	return names
}

// checkRefs fails t for each metric referenced in expr that the registry
// does not have (a histogram's _bucket, _sum and _count count as it).
func checkRefs(t *testing.T, where, expr string, names map[string]bool) int {
	t.Helper()
	refs := metricRef.FindAllString(expr, -1)
	for _, ref := range refs {
		base := ref
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(ref, suf); ok && names[b] {
				base = b
			}
		}
		if !names[base] {
			t.Errorf("%s references %s, which rampart does not export", where, ref)
		}
	}
	return len(refs)
}

func TestGrafanaDashboardMetricsExist(t *testing.T) {
	r := newRig(t, "", nil)
	names := registeredNames(t, r.app)
	if !names["rampart_http_requests_total"] || !names["rampart_redis_up"] || !names["go_goroutines"] {
		t.Fatalf("registry names look wrong: %v", names)
	}
	data, err := os.ReadFile("../../deploy/grafana/rampart.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("deploy/grafana/rampart.json is not valid JSON: %v", err)
	}
	if dash.Title == "" || len(dash.Panels) < 8 {
		t.Fatalf("dashboard has title %q and %d panels", dash.Title, len(dash.Panels))
	}
	refs := 0
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			refs += checkRefs(t, "panel "+p.Title, tg.Expr, names)
		}
	}
	if refs < len(dash.Panels) {
		t.Errorf("only %d metric references in %d panels", refs, len(dash.Panels))
	}
}

func TestPrometheusAlertsMetricsExist(t *testing.T) {
	r := newRig(t, "", nil)
	names := registeredNames(t, r.app)
	data, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("deploy/prometheus/alerts.yml is not valid: %v", err)
	}
	var alerts []string
	for _, g := range file.Groups {
		for _, rule := range g.Rules {
			alerts = append(alerts, rule.Alert)
			if rule.Alert == "" || rule.Expr == "" || rule.Labels["severity"] == "" {
				t.Errorf("rule %+v lacks alert, expr or severity", rule)
			}
			if checkRefs(t, "alert "+rule.Alert, rule.Expr, names) == 0 {
				t.Errorf("alert %s references no rampart metric", rule.Alert)
			}
		}
	}
	for _, want := range []string{"RampartBruteForceSpike", "RampartHigh5xxRatio", "RampartRedisDown", "RampartCertificateExpiresSoon"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("alerts.yml lacks %s", want)
		}
	}
}
