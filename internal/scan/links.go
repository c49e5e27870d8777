package scan

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// maxLinks bounds how many links one response may contribute.
const maxLinks = 50

// extractLinks returns the same-origin paths that body (of the given
// content type, fetched from base) links to: href/src/action attributes of
// HTML, string values of JSON that are URLs or absolute paths, and the
// targets of Link headers given in linkHeader. The result holds each path
// once, escaped as it is sent, without query or fragment, at most
// maxLinks.
func extractLinks(base *url.URL, contentType string, body []byte, linkHeader []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(ref string) {
		if len(out) >= maxLinks {
			return
		}
		ref = strings.TrimSpace(ref)
		if ref == "" || strings.HasPrefix(ref, "#") || len(ref) > 2048 {
			return
		}
		u, err := base.Parse(ref)
		if err != nil || !sameOrigin(base, u) || u.Path == "" {
			return
		}
		// The path is sent as written: escapes such as %2F, %3F and %25
		// change its meaning when decoded.
		p := u.EscapedPath()
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, lh := range linkHeader {
		for _, part := range strings.Split(lh, ",") {
			if i, j := strings.Index(part, "<"), strings.Index(part, ">"); i >= 0 && j > i {
				add(part[i+1 : j])
			}
		}
	}
	ct := strings.ToLower(contentType)
	switch {
	case strings.Contains(ct, "json"):
		dec := json.NewDecoder(bytes.NewReader(body))
		for {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			if s, ok := tok.(string); ok && (strings.HasPrefix(s, "/") || strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && !strings.HasPrefix(s, "//") {
				add(s)
			}
		}
	case strings.Contains(ct, "html"):
		z := html.NewTokenizer(bytes.NewReader(body))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			_, more := z.TagName()
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "href", "src", "action":
					add(string(v))
				}
			}
		}
	}
	return out
}
