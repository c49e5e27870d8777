package authz

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"

	"github.com/rampart-sec/rampart/authn"
)

// celRequest is what a CEL expression sees of the request. Headers, Query
// and RemoteIP are filled only for expressions that read them.
type celRequest struct {
	Method   string            `cel:"method"`
	Path     string            `cel:"path"`
	Host     string            `cel:"host"`
	Headers  map[string]string `cel:"headers"`
	Query    map[string]string `cel:"query"`
	RemoteIP string            `cel:"remote_ip"`
}

// credentialHeader reports the headers left out of request.headers (lower-cased names).
func credentialHeader(lower string) bool {
	switch lower {
	case "authorization", "proxy-authorization", "cookie", "x-api-key":
		return true
	}
	return false
}

// activation resolves the two variables of one evaluation.
type activation struct {
	identity *authn.Identity
	request  celRequest
}

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case identityVar:
		return a.identity, true
	case requestVar:
		return &a.request, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

// decide evaluates the rule. Anything but a true result denies.
func (c *celRule) decide(id *authn.Identity, r *http.Request) Decision {
	act, _ := c.acts.Get().(*activation)
	if act == nil {
		act = new(activation)
	}
	defer c.release(act)
	act.identity = id
	req := &act.request
	req.Method = r.Method
	req.Host = strings.ToLower(r.Host)
	if r.URL != nil {
		req.Path = cleanPath(r.URL.Path)
	}
	if c.readIP {
		req.RemoteIP = remoteIP(r.Context())
	}
	if c.readHeaders {
		req.Headers = headerMap(r.Header)
	}
	if c.readQuery {
		var raw string
		if r.URL != nil {
			raw = r.URL.RawQuery
		}
		q, err := queryMap(raw)
		if err != nil {
			return Decision{Reason: "cel: malformed query string: " + err.Error()}
		}
		req.Query = q
	}
	// Eval, not ContextEval: the cost limit already bounds the work, and
	// watching the context would add a cancel context per request.
	out, _, err := c.prg.Eval(act)
	switch {
	case err != nil:
		return Decision{Reason: "cel: " + err.Error()}
	case out == types.True:
		return Decision{Allow: true, Reason: reasonAllowed}
	case out == types.False:
		return Decision{Reason: reasonCELFalse}
	default:
		return Decision{Reason: fmt.Sprintf("cel: result of type %s, want bool", out.Type().TypeName())}
	}
}

// release clears act, so that the pool holds no request data, and returns
// it to the pool. Evaluation keeps no reference to it once Eval returns.
func (c *celRule) release(act *activation) {
	*act = activation{}
	c.acts.Put(act)
}

// cleanPath resolves dot segments and repeated slashes, so that a rule about
// /admin also holds for /public/../admin, and keeps a trailing slash. A
// path that is already clean is returned as it is, without allocating.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean(p)
	if c != "/" && strings.HasSuffix(p, "/") {
		if len(c)+1 == len(p) && strings.HasPrefix(p, c) {
			return p // clean but for the slash Clean dropped
		}
		c += "/"
	}
	return c
}

// headerMap is request.headers: lower-cased names, first values, credential
// headers left out.
func headerMap(h http.Header) map[string]string {
	m := make(map[string]string, len(h))
	for k, v := range h {
		if len(v) == 0 {
			continue
		}
		k = strings.ToLower(k)
		if credentialHeader(k) {
			continue
		}
		if _, dup := m[k]; !dup { // two spellings of a name not in canonical form
			m[k] = v[0]
		}
	}
	return m
}

// queryMap is request.query: first values, as net/url parses them.
func queryMap(raw string) (map[string]string, error) {
	if raw == "" {
		return map[string]string{}, nil
	}
	vs, err := url.ParseQuery(raw)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(vs))
	for k, v := range vs {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	return m, nil
}
