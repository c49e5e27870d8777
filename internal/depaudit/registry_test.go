package depaudit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/semver"
)

// env returns a getenv over a fixed map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// proxyServer answers @v/list for the modules in list (one version a
// line) and @latest for those in latest, and status for the rest.
func proxyServer(t *testing.T, status int, list, latest map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		if mod, ok := strings.CutSuffix(p, "/@v/list"); ok {
			if l, found := list[mod]; found {
				w.Write([]byte(l))
				return
			}
		}
		if mod, ok := strings.CutSuffix(p, "/@latest"); ok {
			if v, found := latest[mod]; found {
				w.Write([]byte(`{"Version":"` + v + `","Time":"2024-01-01T00:00:00Z"}`))
				return
			}
		}
		http.Error(w, "nope", status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestGoProxy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	notFound := proxyServer(t, http.StatusNotFound, nil, nil)
	broken := proxyServer(t, http.StatusInternalServerError, nil, nil)
	good := proxyServer(t, http.StatusNotFound, map[string]string{
		"example.com/vulna":            "v1.2.0\nv1.9.0\nv1.10.0-rc.1\nv1.9.1-0.20240101000000-abcdefabcdef\nv2.0.0+incompatible\n",
		"github.com/!burnt!sushi/toml": "v1.6.0\n",
		"example.com/prerelease-only":  "v0.1.0-alpha\nv0.1.0-beta\n",
		"example.com/untagged":         "",
	}, map[string]string{
		"example.com/untagged": "v0.0.0-20240101000000-abcdefabcdef",
	})
	tests := []struct {
		name    string
		env     map[string]string
		module  string
		want    string
		wantErr error // nil: any error is a failure; errNotFound etc. checked by Is
		fails   bool
	}{
		{name: "first proxy", env: map[string]string{"GOPROXY": good.URL}, module: "example.com/vulna", want: "v1.9.0"},
		{name: "pre-releases only", env: map[string]string{"GOPROXY": good.URL}, module: "example.com/prerelease-only", want: "v0.1.0-beta"},
		{name: "empty list uses @latest", env: map[string]string{"GOPROXY": good.URL}, module: "example.com/untagged", want: "v0.0.0-20240101000000-abcdefabcdef"},
		{name: "path escaped", env: map[string]string{"GOPROXY": good.URL}, module: "github.com/BurntSushi/toml", want: "v1.6.0"},
		{name: "comma falls through on 404", env: map[string]string{"GOPROXY": notFound.URL + "," + good.URL}, module: "example.com/vulna", want: "v1.9.0"},
		{name: "comma stops on 500", env: map[string]string{"GOPROXY": broken.URL + "," + good.URL}, module: "example.com/vulna", fails: true},
		{name: "pipe falls through on 500", env: map[string]string{"GOPROXY": broken.URL + "|" + good.URL}, module: "example.com/vulna", want: "v1.9.0"},
		{name: "GOPRIVATE not asked", env: map[string]string{"GOPROXY": good.URL, "GOPRIVATE": "example.com/*"}, module: "example.com/vulna", wantErr: ErrNotAsked},
		{name: "GONOPROXY wins over GOPRIVATE", env: map[string]string{"GOPROXY": good.URL, "GOPRIVATE": "example.com", "GONOPROXY": "other.org"}, module: "example.com/vulna", want: "v1.9.0"},
		{name: "off", env: map[string]string{"GOPROXY": "off"}, module: "example.com/vulna", wantErr: ErrNotAsked},
		{name: "direct only", env: map[string]string{"GOPROXY": "direct"}, module: "example.com/vulna", wantErr: ErrNotAsked},
		{name: "not found then direct", env: map[string]string{"GOPROXY": notFound.URL + ",direct"}, module: "example.com/vulna", wantErr: ErrNotAsked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewGoProxy(env(tt.env), nil).Latest(ctx, tt.module)
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
			case tt.fails:
				if err == nil {
					t.Errorf("got %q, want an error", got)
				}
			case err != nil || got != tt.want:
				t.Errorf("Latest = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestPyPIAndNpmRegistries(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.EscapedPath() {
		case "/pypi/flask/json":
			w.Write([]byte(`{"info":{"version":"3.1.0"},"releases":{}}`))
		case "/lodash":
			if r.Header.Get("Accept") != "application/vnd.npm.install-v1+json" {
				http.Error(w, "want abbreviated metadata", http.StatusNotAcceptable)
				return
			}
			w.Write([]byte(`{"name":"lodash","dist-tags":{"latest":"4.17.21","next":"5.0.0-rc.1"}}`))
		case "/@scope%2Fpkg":
			w.Write([]byte(`{"dist-tags":{"latest":"1.2.0"}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	py := NewPyPIRegistry(srv.URL, srv.Client())
	npm := NewNpmRegistry(srv.URL, srv.Client())
	for _, tt := range []struct {
		reg  Registry
		name string
		want string
	}{{py, "flask", "3.1.0"}, {npm, "lodash", "4.17.21"}, {npm, "@scope/pkg", "1.2.0"}} {
		got, err := tt.reg.Latest(ctx, tt.name)
		if err != nil || got != tt.want {
			t.Errorf("%s Latest(%s) = %q, %v; want %q", tt.reg.Describe(), tt.name, got, err, tt.want)
		}
	}
	if _, err := py.Latest(ctx, "missing"); !errors.Is(err, errNotFound) {
		t.Errorf("missing package: err = %v", err)
	}
}

// TestAuditOutdated: an online audit lists pins behind the registry's
// newest release, and an offline one says which registries it skipped.
func TestAuditOutdated(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/@v/list"):
			w.Write([]byte("v1.0.0\nv1.3.1\n"))
		case strings.HasPrefix(r.URL.Path, "/pypi/"):
			w.Write([]byte(`{"info":{"version":"2.31.0"}}`))
		default:
			w.Write([]byte(`{"dist-tags":{"latest":"4.17.21"}}`))
		}
	}))
	defer srv.Close()
	db, err := LoadDB(filepath.Join("testdata", "osvdb"))
	if err != nil {
		t.Fatal(err)
	}
	regs := map[Ecosystem]Registry{
		Go:   NewGoProxy(env(map[string]string{"GOPROXY": srv.URL}), srv.Client()),
		PyPI: NewPyPIRegistry(srv.URL, srv.Client()),
		Npm:  NewNpmRegistry(srv.URL, srv.Client()),
	}
	for project, want := range map[string][]string{
		"gosvc":   {"example.com/vulna v1.1.9 v1.3.1", "example.com/atfix v1.2.0 v1.3.1", "example.com/intro-at v1.3.0 v1.3.1"},
		"pysvc":   {"requests 2.30.0 2.31.0"},
		"nodesvc": {"lodash 4.17.15 4.17.21", "lodash 4.17.20 4.17.21"},
	} {
		rep, err := Audit(context.Background(), filepath.Join("testdata", "projects", project), Options{Source: db, Registries: regs})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range rep.Outdated {
			got = append(got, o.Name+" "+o.Version+" "+o.Latest)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: outdated %q missing from %q", project, w, got)
			}
		}
		if slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "stdlib ") }) {
			t.Errorf("%s: stdlib looked up as a module", project)
		}
		if len(rep.NotAsked) != 0 {
			t.Errorf("%s: NotAsked = %v online", project, rep.NotAsked)
		}
	}
	off := auditFixture(t, "pysvc")
	if len(off.Outdated) != 0 || len(off.NotAsked) != 1 || !strings.Contains(off.NotAsked[0], "PyPI") || !strings.Contains(off.NotAsked[0], "offline") {
		t.Errorf("offline: Outdated=%v NotAsked=%v", off.Outdated, off.NotAsked)
	}
}

// TestGoProxyLive asks the real module proxy (GOPROXY, else the default)
// for a module's newest version. It runs when RAMPART_LIVE_GOPROXY=1 or
// RAMPART_REQUIRE_SERVICES=1, and under the latter a failure is fatal.
func TestGoProxyLive(t *testing.T) {
	required := os.Getenv("RAMPART_REQUIRE_SERVICES") == "1"
	if !required && os.Getenv("RAMPART_LIVE_GOPROXY") != "1" {
		t.Skip("set RAMPART_LIVE_GOPROXY=1 to ask the real Go module proxy")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := NewGoProxy(os.Getenv, &http.Client{Timeout: 20 * time.Second}).Latest(ctx, "golang.org/x/text")
	if err != nil {
		if required {
			t.Fatalf("module proxy unreachable with RAMPART_REQUIRE_SERVICES=1: %v", err)
		}
		t.Skipf("module proxy unreachable: %v", err)
	}
	if !semver.IsValid(v) || semver.Compare(v, "v0.44.0") < 0 {
		t.Errorf("newest golang.org/x/text = %q, want a version >= v0.44.0", v)
	}
}
