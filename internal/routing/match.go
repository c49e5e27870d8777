// Package routing matches requests to routes: host, methods and path (exact,
// prefix, or a pattern with {param} and ** segments), most specific first,
// independent of the order of the configuration, and refuses configurations
// where two routes tie.
package routing

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// Match says which requests a route takes. Exactly one of Path, PathPrefix
// and Pattern is set.
type Match struct {
	// Host is an exact host name ("api.example.com") or a wildcard for one
	// label ("*.example.com"); empty matches any host.
	Host string
	// Methods lists the HTTP methods; empty matches any method.
	Methods []string
	// Path matches one path exactly ("/api/data").
	Path string
	// PathPrefix matches a path and everything below it; it must end in "/"
	// ("/api/" matches "/api/" and "/api/x/y", not "/apix").
	PathPrefix string
	// Pattern matches segment by segment: "{name}" is one segment, a final
	// "**" is any rest of the path (zero or more segments).
	Pattern string
}

// segment kinds, in order of specificity.
const (
	segLiteral = iota
	segParam
	segRest
)

type segment struct {
	kind int
	lit  string // for literals
	name string // for params
}

// matcher is a compiled Match.
type matcher struct {
	route   int // index in the route list
	name    string
	host    string // lower-case; "" any; "*.x" one-label wildcard
	methods []string
	exact   string
	prefix  string
	segs    []segment
}

// Router finds the route for a request. It is immutable after NewRouter.
type Router struct {
	ms []*matcher // most specific first
}

// ErrBadPath marks request paths that are refused outright: dot segments,
// empty segments, encoded slashes or backslashes, control characters. Such
// paths are how path-confusion attacks slip past a gateway's rules.
var ErrBadPath = errors.New("request path is not in canonical form")

// NamedMatch is a route's name and match, for NewRouter.
type NamedMatch struct {
	Name  string
	Match Match
}

// NewRouter compiles routes and refuses configurations where a request could
// match two routes with the same specificity, so the winner never depends on
// the order of the file. Errors name the routes by index and name.
func NewRouter(routes []NamedMatch) (*Router, error) {
	var errs []error
	ms := make([]*matcher, 0, len(routes))
	for i, r := range routes {
		m, err := compile(i, r.Name, r.Match)
		if err != nil {
			errs = append(errs, fmt.Errorf("routes[%d] (%s): %w", i, r.Name, err))
			continue
		}
		ms = append(ms, m)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			if ambiguous(ms[i], ms[j]) {
				errs = append(errs, fmt.Errorf("routes[%d] (%s) and routes[%d] (%s) match the same requests equally well; make one more specific (host, methods or path)",
					ms[i].route, ms[i].name, ms[j].route, ms[j].name))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.SliceStable(ms, func(i, j int) bool { return moreSpecific(ms[i], ms[j]) })
	return &Router{ms: ms}, nil
}

func compile(i int, name string, m Match) (*matcher, error) {
	c := &matcher{route: i, name: name, host: strings.ToLower(m.Host)}
	set := 0
	for _, s := range []string{m.Path, m.PathPrefix, m.Pattern} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		return nil, errors.New("match: set exactly one of path, path_prefix and pattern")
	}
	if c.host != "" {
		h := strings.TrimPrefix(c.host, "*.")
		if strings.ContainsAny(h, "*/:") || h == "" || strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") {
			return nil, fmt.Errorf("match.host %q: want a host name like api.example.com or *.example.com (no port)", m.Host)
		}
	}
	for _, meth := range m.Methods {
		u := strings.ToUpper(meth)
		if u != meth || !validMethod(u) {
			return nil, fmt.Errorf("match.methods: %q is not an upper-case HTTP method", meth)
		}
		if slices.Contains(c.methods, u) {
			return nil, fmt.Errorf("match.methods: %s listed twice", u)
		}
		c.methods = append(c.methods, u)
	}
	switch {
	case m.Path != "":
		if err := checkConfigPath(m.Path); err != nil {
			return nil, fmt.Errorf("match.path: %w", err)
		}
		c.exact = m.Path
	case m.PathPrefix != "":
		if err := checkConfigPath(m.PathPrefix); err != nil {
			return nil, fmt.Errorf("match.path_prefix: %w", err)
		}
		if !strings.HasSuffix(m.PathPrefix, "/") {
			return nil, fmt.Errorf("match.path_prefix %q must end in \"/\" (otherwise %q would also match %q)", m.PathPrefix, m.PathPrefix, m.PathPrefix+"x")
		}
		c.prefix = m.PathPrefix
	default:
		segs, err := parsePattern(m.Pattern)
		if err != nil {
			return nil, fmt.Errorf("match.pattern: %w", err)
		}
		c.segs = segs
	}
	return c, nil
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// checkConfigPath applies the canonical-path rules to a configured path.
func checkConfigPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q must start with \"/\"", p)
	}
	if err := CheckPath(p); err != nil {
		return fmt.Errorf("%q is not canonical (no \"..\", \".\", \"//\" or control characters)", p)
	}
	if strings.ContainsAny(p, "{}*") {
		return fmt.Errorf("%q has pattern characters; use pattern: instead", p)
	}
	return nil
}

func parsePattern(p string) ([]segment, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("%q must start with \"/\"", p)
	}
	parts := strings.Split(p[1:], "/")
	segs := make([]segment, 0, len(parts))
	names := map[string]bool{}
	for i, part := range parts {
		switch {
		case part == "**":
			if i != len(parts)-1 {
				return nil, fmt.Errorf("%q: \"**\" may only be the last segment", p)
			}
			segs = append(segs, segment{kind: segRest})
		case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}"):
			name := part[1 : len(part)-1]
			if name == "" || strings.ContainsAny(name, "{}*/") {
				return nil, fmt.Errorf("%q: bad parameter %q", p, part)
			}
			if names[name] {
				return nil, fmt.Errorf("%q: parameter {%s} used twice", p, name)
			}
			names[name] = true
			segs = append(segs, segment{kind: segParam, name: name})
		case strings.ContainsAny(part, "{}*"):
			return nil, fmt.Errorf("%q: segment %q mixes a literal with pattern characters", p, part)
		case part == "" && i != len(parts)-1, part == ".", part == "..":
			return nil, fmt.Errorf("%q is not canonical (no \"..\", \".\" or \"//\")", p)
		default:
			segs = append(segs, segment{kind: segLiteral, lit: part})
		}
	}
	return segs, nil
}

// CheckPath reports ErrBadPath for a request path that is not canonical:
// "." or ".." segments, "//", encoded "/" or "\" (checked on the raw path by
// the caller), backslashes, NUL or other control characters.
func CheckPath(p string) error {
	if p == "" || p[0] != '/' {
		return ErrBadPath
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return ErrBadPath
		}
	}
	if strings.Contains(p, "//") {
		return ErrBadPath
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "." || seg == ".." {
			return ErrBadPath
		}
	}
	return nil
}

// checkRequestPath also refuses encoded slashes and backslashes in the raw
// path, which decode into separators the upstream may honour.
func checkRequestPath(r *http.Request) error {
	if raw := r.URL.RawPath; raw != "" {
		l := strings.ToLower(raw)
		if strings.Contains(l, "%2f") || strings.Contains(l, "%5c") || strings.Contains(l, "%00") {
			return ErrBadPath
		}
	}
	return CheckPath(r.URL.Path)
}

// Route is the result of a match.
type Route struct {
	// Index is the route's position in the configuration.
	Index int
	// Params are the pattern's named segments.
	Params map[string]string
}

// Match returns the most specific route for r. ok is false when no route
// matches (the caller answers 404: nothing is open by accident). err is
// ErrBadPath for non-canonical paths (the caller answers 400).
func (rt *Router) Match(r *http.Request) (Route, bool, error) {
	if err := checkRequestPath(r); err != nil {
		return Route{}, false, err
	}
	host := requestHost(r)
	path := r.URL.Path
	for _, m := range rt.ms {
		if !m.hostMatches(host) || (len(m.methods) > 0 && !slices.Contains(m.methods, r.Method)) {
			continue
		}
		if params, ok := m.pathMatches(path); ok {
			return Route{Index: m.route, Params: params}, true, nil
		}
	}
	return Route{}, false, nil
}

func requestHost(r *http.Request) string {
	h := r.Host
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

func (m *matcher) hostMatches(host string) bool {
	switch {
	case m.host == "":
		return true
	case strings.HasPrefix(m.host, "*."):
		suffix := m.host[1:] // ".example.com"
		label, ok := strings.CutSuffix(host, suffix)
		return ok && label != "" && !strings.Contains(label, ".")
	default:
		return host == m.host
	}
}

func (m *matcher) pathMatches(p string) (map[string]string, bool) {
	switch {
	case m.exact != "":
		return nil, p == m.exact
	case m.prefix != "":
		return nil, strings.HasPrefix(p, m.prefix)
	}
	parts := strings.Split(p[1:], "/")
	var params map[string]string
	for i, s := range m.segs {
		if s.kind == segRest {
			return params, true
		}
		if i >= len(parts) {
			return nil, false
		}
		switch s.kind {
		case segLiteral:
			if parts[i] != s.lit {
				return nil, false
			}
		case segParam:
			if parts[i] == "" {
				return nil, false
			}
			if params == nil {
				params = make(map[string]string, 2)
			}
			params[s.name] = parts[i]
		}
	}
	if len(parts) != len(m.segs) {
		return nil, false
	}
	return params, true
}

// rank orders matchers: host (exact > wildcard > any), then path kind
// (exact > pattern > prefix), then within patterns the segment kinds left to
// right, within prefixes the longer prefix; then routes naming methods
// before routes that take any method.
type rank struct {
	host    int   // 2 exact, 1 wildcard, 0 any
	kind    int   // 2 exact, 1 pattern, 0 prefix
	segs    []int // pattern: per segment 3 literal, 2 param, 0 rest; 1 marks the end
	prefix  int   // prefix length
	methods int   // 1 when methods are listed
}

func (m *matcher) rank() rank {
	r := rank{}
	switch {
	case m.host == "":
	case strings.HasPrefix(m.host, "*."):
		r.host = 1
	default:
		r.host = 2
	}
	switch {
	case m.exact != "":
		r.kind = 2
	case m.prefix != "":
		r.prefix = len(m.prefix)
	default:
		r.kind = 1
		// literal 3, param 2, end of pattern 1, rest 0: "/a/{x}" beats
		// "/a/{x}/**" on "/a/1", and a literal beats a parameter.
		rest := false
		for _, s := range m.segs {
			switch s.kind {
			case segLiteral:
				r.segs = append(r.segs, 3)
			case segParam:
				r.segs = append(r.segs, 2)
			case segRest:
				r.segs = append(r.segs, 0)
				rest = true
			}
		}
		if !rest {
			r.segs = append(r.segs, 1)
		}
	}
	if len(m.methods) > 0 {
		r.methods = 1
	}
	return r
}

// compareRank returns >0 when a is more specific than b, 0 when equal.
func compareRank(a, b rank) int {
	if a.host != b.host {
		return a.host - b.host
	}
	if a.kind != b.kind {
		return a.kind - b.kind
	}
	if c := slices.Compare(a.segs, b.segs); c != 0 {
		// A longer pattern of equal prefix is more specific.
		return c
	}
	if a.prefix != b.prefix {
		return a.prefix - b.prefix
	}
	return a.methods - b.methods
}

func moreSpecific(a, b *matcher) bool { return compareRank(a.rank(), b.rank()) > 0 }

// ambiguous reports whether some request matches both a and b while neither
// is more specific.
func ambiguous(a, b *matcher) bool {
	if compareRank(a.rank(), b.rank()) != 0 {
		return false
	}
	if !hostsOverlap(a.host, b.host) || !methodsOverlap(a.methods, b.methods) {
		return false
	}
	switch {
	case a.exact != "":
		return a.exact == b.exact
	case a.prefix != "":
		return a.prefix == b.prefix
	}
	// Same segment kinds in the same order: they overlap unless a literal differs.
	if len(a.segs) != len(b.segs) {
		return false
	}
	for i := range a.segs {
		if a.segs[i].kind == segLiteral && a.segs[i].lit != b.segs[i].lit {
			return false
		}
	}
	return true
}

func hostsOverlap(a, b string) bool { return a == b }

func methodsOverlap(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	for _, m := range a {
		if slices.Contains(b, m) {
			return true
		}
	}
	return false
}
