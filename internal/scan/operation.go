package scan

import (
	"net/http"
	"net/url"
	"strings"
)

// Operation is one method on one path of the target, documented in its
// OpenAPI description or discovered.
type Operation struct {
	// Method is upper case, e.g. "GET".
	Method string `json:"method"`
	// Path is the path template, e.g. "/v2/items/{id}", with the server's
	// base path already prefixed.
	Path   string  `json:"path"`
	Params []Param `json:"params,omitempty"`
	// Secured is true when the description requires credentials.
	Secured bool `json:"secured,omitempty"`
	// Public is true when the description explicitly requires none
	// (security: []).
	Public bool `json:"public,omitempty"`
	// Admin is true for operations meant for administrators: an "admin"
	// path segment, tag or scope, or x-admin: true.
	Admin bool `json:"admin,omitempty"`
	// Body is an example JSON request body, if the operation takes one.
	Body []byte `json:"-"`
	// Documented is true for operations from an OpenAPI description.
	Documented bool `json:"documented,omitempty"`
}

// Param is a path or query parameter.
type Param struct {
	Name    string `json:"name"`
	In      string `json:"in"`
	Example string `json:"example,omitempty"`
	// URLLike is true when the parameter looks like it takes a URL (by name,
	// format or example): the SSRF check's candidates.
	URLLike bool `json:"url_like,omitempty"`
}

// key identifies the operation: "GET /items/{id}".
func (o Operation) key() string { return o.Method + " " + o.Path }

// safe reports a method that must not change state.
func (o Operation) safe() bool {
	switch o.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// hasPathParams reports whether the path has {templated} segments.
func (o Operation) hasPathParams() bool { return strings.Contains(o.Path, "{") }

// target returns the concrete path and query: path parameters filled from
// values (then examples, then "1") and required-looking query parameters
// with their examples.
func (o Operation) target(values map[string]string) string {
	path := o.Path
	q := url.Values{}
	for _, p := range o.Params {
		v := values[p.Name]
		if v == "" {
			v = p.Example
		}
		switch p.In {
		case "path":
			if v == "" {
				v = "1"
			}
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(v))
		case "query":
			if v != "" {
				q.Set(p.Name, v)
			}
		}
	}
	// Any template left without a declared parameter still needs a value.
	for strings.Contains(path, "{") {
		i := strings.Index(path, "{")
		j := strings.Index(path[i:], "}")
		if j < 0 {
			break
		}
		path = path[:i] + "1" + path[i+j+1:]
	}
	if len(q) > 0 {
		return path + "?" + q.Encode()
	}
	return path
}

// urlLikeName reports parameter names that usually carry a URL.
func urlLikeName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"url", "uri", "link", "callback", "webhook", "redirect", "dest", "target", "feed", "fetch", "endpoint", "image", "src", "host"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
