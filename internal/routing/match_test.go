package routing

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func router(t *testing.T, routes ...NamedMatch) *Router {
	t.Helper()
	rt, err := NewRouter(routes)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestRouterPicksTheMostSpecificRoute(t *testing.T) {
	rt := router(t,
		NamedMatch{"api-prefix", Match{PathPrefix: "/api/"}},
		NamedMatch{"api-v1-prefix", Match{PathPrefix: "/api/v1/"}},
		NamedMatch{"user", Match{Pattern: "/api/v1/users/{id}"}},
		NamedMatch{"user-me", Match{Pattern: "/api/v1/users/me"}},
		NamedMatch{"user-posts", Match{Pattern: "/api/v1/users/{id}/posts/**"}},
		NamedMatch{"user-any", Match{Pattern: "/api/v1/users/{id}/**"}},
		NamedMatch{"data-get", Match{Path: "/api/data", Methods: []string{"GET"}}},
		NamedMatch{"data-any", Match{Path: "/api/data"}},
		NamedMatch{"admin-host", Match{Host: "admin.example.com", PathPrefix: "/"}},
		NamedMatch{"tenant-host", Match{Host: "*.example.com", PathPrefix: "/api/"}},
	)
	for _, tc := range []struct {
		method, host, path string
		want               string
		params             map[string]string
	}{
		{"GET", "x", "/api/other", "api-prefix", nil},
		{"GET", "x", "/api/v1/things", "api-v1-prefix", nil},
		{"GET", "x", "/api/v1/users/42", "user", map[string]string{"id": "42"}},
		{"GET", "x", "/api/v1/users/me", "user-me", nil},
		{"GET", "x", "/api/v1/users/42/posts", "user-posts", map[string]string{"id": "42"}},
		{"GET", "x", "/api/v1/users/42/posts/7/comments", "user-posts", map[string]string{"id": "42"}},
		{"GET", "x", "/api/v1/users/42/extra", "user-any", map[string]string{"id": "42"}},
		{"GET", "x", "/api/v1/users/42/posts/1", "user-posts", map[string]string{"id": "42"}},
		{"GET", "x", "/api/data", "data-get", nil},
		{"POST", "x", "/api/data", "data-any", nil},
		{"GET", "admin.example.com", "/api/data", "admin-host", nil},
		{"GET", "ADMIN.example.com:8443", "/anything", "admin-host", nil},
		{"GET", "acme.example.com", "/api/data", "tenant-host", nil},
		{"GET", "a.b.example.com", "/api/data", "data-get", nil}, // wildcard is one label only
		{"GET", "x", "/", "", nil},
		{"GET", "x", "/apix", "", nil},
		{"GET", "x", "/api", "", nil},
	} {
		r := httptest.NewRequest(tc.method, "http://"+tc.host+tc.path, nil)
		got, ok, err := rt.Match(r)
		if err != nil {
			t.Fatalf("%s %s%s: %v", tc.method, tc.host, tc.path, err)
		}
		name := ""
		if ok {
			name = rt.ms[indexOf(rt, got.Index)].name
		}
		if name != tc.want {
			t.Errorf("%s %s%s matched %q, want %q", tc.method, tc.host, tc.path, name, tc.want)
		}
		for k, v := range tc.params {
			if got.Params[k] != v {
				t.Errorf("%s: param %s = %q, want %q", tc.path, k, got.Params[k], v)
			}
		}
	}
}

func indexOf(rt *Router, route int) int {
	for i, m := range rt.ms {
		if m.route == route {
			return i
		}
	}
	return -1
}

// The winner never depends on the order of the configuration.
func TestRouterOrderIndependent(t *testing.T) {
	routes := []NamedMatch{
		{"a", Match{PathPrefix: "/"}},
		{"b", Match{Pattern: "/x/{id}"}},
		{"c", Match{Path: "/x/1"}},
		{"d", Match{PathPrefix: "/x/"}},
	}
	want := map[string]string{"/x/1": "c", "/x/2": "b", "/x/2/3": "d", "/y": "a"}
	for rot := range routes {
		rs := append(append([]NamedMatch{}, routes[rot:]...), routes[:rot]...)
		rt := router(t, rs...)
		for path, name := range want {
			got, ok, _ := rt.Match(httptest.NewRequest("GET", path, nil))
			if !ok || rs[got.Index].Name != name {
				t.Fatalf("rotation %d: %s matched %v, want %s", rot, path, rs[got.Index].Name, name)
			}
		}
	}
}

func TestRouterRejectsAmbiguousConfigs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		routes []NamedMatch
		ok     bool
	}{
		{"same path twice", []NamedMatch{{"a", Match{Path: "/x"}}, {"b", Match{Path: "/x"}}}, false},
		{"params with other names", []NamedMatch{{"a", Match{Pattern: "/u/{id}"}}, {"b", Match{Pattern: "/u/{name}"}}}, false},
		{"same prefix", []NamedMatch{{"a", Match{PathPrefix: "/api/"}}, {"b", Match{PathPrefix: "/api/"}}}, false},
		{"overlapping methods", []NamedMatch{{"a", Match{Path: "/x", Methods: []string{"GET", "POST"}}}, {"b", Match{Path: "/x", Methods: []string{"POST"}}}}, false},
		{"disjoint methods", []NamedMatch{{"a", Match{Path: "/x", Methods: []string{"GET"}}}, {"b", Match{Path: "/x", Methods: []string{"POST"}}}}, true},
		{"different hosts", []NamedMatch{{"a", Match{Host: "a.com", Path: "/x"}}, {"b", Match{Host: "b.com", Path: "/x"}}}, true},
		{"literal vs param", []NamedMatch{{"a", Match{Pattern: "/u/me"}}, {"b", Match{Pattern: "/u/{id}"}}}, true},
		{"different literals", []NamedMatch{{"a", Match{Pattern: "/u/{id}/a"}}, {"b", Match{Pattern: "/u/{id}/b"}}}, true},
	} {
		_, err := NewRouter(tc.routes)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "match the same requests equally well") {
			t.Errorf("%s: message %q", tc.name, err)
		}
	}
}

func TestRouterConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		m    Match
		want string
	}{
		{Match{}, "set exactly one of path, path_prefix and pattern"},
		{Match{Path: "/a", PathPrefix: "/b/"}, "set exactly one"},
		{Match{PathPrefix: "/api"}, `must end in "/"`},
		{Match{Path: "api"}, `must start with "/"`},
		{Match{Path: "/a/../b"}, "not canonical"},
		{Match{Path: "/a/{id}"}, "use pattern: instead"},
		{Match{Pattern: "/a/**/b"}, `"**" may only be the last segment`},
		{Match{Pattern: "/a/{id}/{id}"}, "used twice"},
		{Match{Pattern: "/a/x{id}"}, "mixes a literal"},
		{Match{Pattern: "/a/{}"}, "bad parameter"},
		{Match{Path: "/a", Methods: []string{"get"}}, "not an upper-case HTTP method"},
		{Match{Path: "/a", Methods: []string{"GET", "GET"}}, "listed twice"},
		{Match{Path: "/a", Host: "api.example.com:443"}, "no port"},
		{Match{Path: "/a", Host: "*"}, "want a host name"},
	} {
		_, err := NewRouter([]NamedMatch{{"r", tc.m}})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "routes[0] (r)") {
			t.Errorf("%+v: err = %v, want %q", tc.m, err, tc.want)
		}
	}
	// Every problem is reported, not just the first.
	_, err := NewRouter([]NamedMatch{{"a", Match{}}, {"b", Match{PathPrefix: "/x"}}})
	if err == nil || !strings.Contains(err.Error(), "routes[0]") || !strings.Contains(err.Error(), "routes[1]") {
		t.Fatalf("all problems: %v", err)
	}
}

// Path-confusion attacks are refused before matching: a rule on /admin/
// cannot be dodged with /public/../admin/ or an encoded slash.
func TestRouterRefusesNonCanonicalPaths(t *testing.T) {
	rt := router(t, NamedMatch{"public", Match{PathPrefix: "/public/"}}, NamedMatch{"admin", Match{PathPrefix: "/admin/"}})
	for _, raw := range []string{
		"/public/../admin/users",
		"/public/./x",
		"/public//x",
		"/public/%2e%2e/admin/users",
		"/public/x%2Fy",
		"/public/x%5cy",
		"/public/x%00",
		"/public/x\\y",
	} {
		r := httptest.NewRequest("GET", "http://h"+strings.ReplaceAll(raw, "\\", "%5C"), nil)
		if raw == "/public/x\\y" {
			r.URL.Path, r.URL.RawPath = raw, ""
		}
		if _, _, err := rt.Match(r); !errors.Is(err, ErrBadPath) {
			t.Errorf("%s: err = %v, want ErrBadPath", raw, err)
		}
	}
	if _, ok, err := rt.Match(httptest.NewRequest("GET", "/public/a%20b", nil)); err != nil || !ok {
		t.Fatalf("an ordinary encoded space is refused: %v %v", ok, err)
	}
}

func FuzzRouterMatch(f *testing.F) {
	rt, err := NewRouter([]NamedMatch{
		{"a", Match{PathPrefix: "/api/"}},
		{"b", Match{Pattern: "/api/v1/users/{id}/**"}},
		{"c", Match{Path: "/api/data", Methods: []string{"GET"}}},
		{"d", Match{Host: "*.example.com", Pattern: "/t/{x}"}},
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"/api/data", "/api/v1/users/1/x", "/t/1", "/../api", "/api/%2f", "//"} {
		f.Add("GET", "a.example.com", s)
	}
	f.Fuzz(func(t *testing.T, method, host, path string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Method, r.Host, r.URL.Path = method, host, path
		got, ok, err := rt.Match(r)
		if err != nil {
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if ok && CheckPath(path) != nil {
			t.Fatalf("non-canonical path %q matched route %d", path, got.Index)
		}
	})
}
