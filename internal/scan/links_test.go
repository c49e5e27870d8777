package scan

import (
	"net/url"
	"reflect"
	"testing"
)

// TestExtractLinksKeepsEscapes: a link's path is sent as written, so escapes
// that change its meaning (%3F, %2F, %25) must survive extraction.
func TestExtractLinksKeepsEscapes(t *testing.T) {
	t.Parallel()
	base := mustURL(t, "http://api.test/")
	for _, tc := range []struct {
		name, ct, body string
		want           []string
	}{
		{"html escaped question mark", "text/html", `<a href="/a%3Fb=1">x</a>`, []string{"/a%3Fb=1"}},
		{"html escaped slash", "text/html", `<a href="/files/a%2Fb">x</a><a href="/files/a/b">y</a>`, []string{"/files/a%2Fb", "/files/a/b"}},
		{"html escaped percent", "text/html", `<a href="/100%25">x</a>`, []string{"/100%25"}},
		{"json escaped slash", "application/json", `{"next":"/files/a%2Fb?page=2"}`, []string{"/files/a%2Fb"}},
		{"plain path unchanged", "text/html", `<a href="/users/1?x=2#f">x</a><a href="/users/1">y</a>`, []string{"/users/1"}},
		{"other origin dropped", "text/html", `<a href="http://evil.test/a">x</a>`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := extractLinks(base, tc.ct, []byte(tc.body), nil)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("extractLinks(%s) = %q, want %q", tc.body, got, tc.want)
			}
			for _, p := range got {
				u, err := url.Parse("http://api.test" + p)
				if err != nil || u.EscapedPath() != p {
					t.Errorf("path %q is not sent as extracted: %v", p, err)
				}
			}
		})
	}
}
