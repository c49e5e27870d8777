package scan

import (
	"context"
	"net/http"
	"sort"
)

// specLocations are where APIs commonly publish their OpenAPI description.
func specLocations() []string {
	return []string{"/openapi.json", "/openapi.yaml", "/swagger.json", "/v3/api-docs", "/api-docs", "/swagger/v1/swagger.json", "/api/openapi.json", "/.well-known/openid-configuration"}
}

// discover finds operations without a given description: the first
// published description found at a common location, else the target URL,
// the root, and the same-origin links of their responses.
func (s *session) discover(ctx context.Context) {
	var linkSources []*exchange
	if s.first != nil {
		linkSources = append(linkSources, s.first)
	}
	for _, loc := range specLocations() {
		ex, err := s.c.do(ctx, "discovery", probe{method: http.MethodGet, path: loc})
		if err != nil {
			break
		}
		if !ex.ok() {
			continue
		}
		if ops, err := parseSpec(ctx, ex.body, loc); err == nil {
			s.ops, s.opsFrom, s.specPath = ops, "the description published at "+loc, loc
			return
		}
		linkSources = append(linkSources, ex)
	}
	paths := map[string]bool{s.target.EscapedPath(): true}
	if s.target.EscapedPath() == "" {
		paths = map[string]bool{"/": true}
	}
	if s.target.EscapedPath() != "/" {
		if ex, err := s.c.do(ctx, "discovery", probe{method: http.MethodGet, path: "/"}); err == nil {
			linkSources = append(linkSources, ex)
		}
	}
	for _, ex := range linkSources {
		if !ex.ok() {
			continue
		}
		for _, p := range extractLinks(ex.url, ex.head.Get("Content-Type"), ex.body, ex.head.Values("Link")) {
			paths[p] = true
		}
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	for _, p := range sorted {
		s.ops = append(s.ops, Operation{Method: http.MethodGet, Path: p})
	}
	s.opsFrom = "discovery (no OpenAPI description found)"
}
