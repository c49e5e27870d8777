package scan

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// inventoryCheck looks for published API documentation and for live,
// undocumented versions of documented paths (an old /v1 beside /v2).
type inventoryCheck struct{}

func (inventoryCheck) Name() string { return "inventory" }

func ruleDocsExposed() Rule {
	return newRule("inventory-docs-exposed", "API description or docs published", SeverityLow,
		API9Inventory, 200,
		"In production, serve the OpenAPI description and docs UI only to those who need them (behind authentication or on an internal host), or confirm that publishing them is intended.")
}

func ruleUndocumented() Rule {
	return newRule("inventory-undocumented-endpoint", "Undocumented live endpoint beside documented ones", SeverityMedium,
		API9Inventory, 1059,
		"Retire old API versions (answer 404/410) or document and protect them like the current one; keep an inventory of every deployed version.")
}

func (inventoryCheck) Rules() []Rule { return []Rule{ruleDocsExposed(), ruleUndocumented()} }

// docPath is a documentation location and how to recognise it.
type docPath struct {
	path string
	re   *regexp.Regexp
}

func docPaths() []docPath {
	spec := regexp.MustCompile(`"(?:openapi|swagger)"\s*:\s*"[23]\.|(?m)^(?:openapi|swagger):\s*["']?[23]\.`)
	ui := regexp.MustCompile(`(?i)swagger-ui|redoc|graphiql|rapidoc`)
	return []docPath{
		{"/openapi.json", spec}, {"/openapi.yaml", spec}, {"/swagger.json", spec}, {"/v3/api-docs", spec},
		{"/swagger-ui/", ui}, {"/swagger-ui.html", ui}, {"/docs", ui}, {"/redoc", ui},
	}
}

// versionSegment matches a path segment such as v2.
var versionSegment = regexp.MustCompile(`^v(\d{1,2})$`)

func (c inventoryCheck) Run(ctx context.Context, s *session) ([]Finding, error) {
	var out []Finding
	if s.specPath != "" && s.first != nil {
		out = append(out, newFinding(ruleDocsExposed(), "GET "+s.specPath, "The OpenAPI description is published at "+s.specPath+" (the scanner used it).", Evidence{Request: "GET " + s.specPath}))
	} else {
		for _, d := range docPaths() {
			ex, err := s.c.do(ctx, c.Name(), probe{method: http.MethodGet, path: d.path, noExtra: true})
			if err != nil {
				return out, err
			}
			if ex.ok() && !s.isMissing(ex) && d.re.Match(ex.body) {
				out = append(out, newFinding(ruleDocsExposed(), ex.location(), d.path+" publishes the API's description or docs to anonymous clients.", ex.evidence()))
				break
			}
		}
	}
	documented := map[string]bool{}
	for _, op := range s.ops {
		if op.Documented {
			documented[op.Path] = true
		}
	}
	if len(documented) == 0 {
		return out, nil
	}
	tried := map[string]bool{}
	probes := 0
	for _, op := range s.ops {
		if !op.Documented || op.Method != http.MethodGet {
			continue
		}
		for _, alt := range siblingVersions(op.Path) {
			if documented[alt] || tried[alt] || probes >= 12 {
				continue
			}
			tried[alt] = true
			probes++
			sib := op
			sib.Path = alt
			ex, err := s.c.do(ctx, c.Name(), probe{method: http.MethodGet, path: sib.target(nil), header: authHeader(s.opts.Auth)})
			if err != nil {
				return out, err
			}
			if s.isMissing(ex) || ex.status >= 500 || ex.status == http.StatusBadRequest {
				continue
			}
			out = append(out, newFinding(ruleUndocumented(), ex.location(), fmt.Sprintf("%s is not in the description (which has %s) but answers %d.", alt, op.Path, ex.status), ex.evidence()))
			return out, nil
		}
	}
	return out, nil
}

// siblingVersions returns path with its version segment replaced by the
// neighbouring versions and common pre-release names.
func siblingVersions(path string) []string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		m := versionSegment.FindStringSubmatch(seg)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		var alts []string
		for v := n - 1; v >= max(n-2, 0); v-- {
			alts = append(alts, "v"+strconv.Itoa(v))
		}
		alts = append(alts, "v"+strconv.Itoa(n+1), "beta", "internal")
		var out []string
		for _, a := range alts {
			cp := append([]string{}, segs...)
			cp[i] = a
			out = append(out, strings.Join(cp, "/"))
		}
		return out
	}
	return nil
}
