package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// ErrBadSpec wraps every reason an OpenAPI description could not be used.
var ErrBadSpec = errors.New("invalid OpenAPI description")

// parseSpec parses an OpenAPI 3.x or Swagger 2.0 description (JSON or YAML)
// and returns its operations. External references are refused: a
// description must not make the scanner read other files or hosts.
func parseSpec(ctx context.Context, data []byte, source string) (ops []Operation, err error) {
	// A description is untrusted input; a library bug on a strange one must
	// become an error, not take the scan down.
	defer func() {
		if p := recover(); p != nil {
			ops, err = nil, fmt.Errorf("%w %s: unparseable (%v)", ErrBadSpec, source, p)
		}
	}()
	var probe struct {
		Swagger string `yaml:"swagger"`
		OpenAPI string `yaml:"openapi"`
	}
	if err := yaml.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrBadSpec, source, err)
	}
	var doc *openapi3.T
	switch {
	case strings.HasPrefix(probe.Swagger, "2."):
		var v2 openapi2.T
		js, err := yamlToJSON(data)
		if err == nil {
			err = json.Unmarshal(js, &v2)
		}
		if err != nil {
			return nil, fmt.Errorf("%w %s: %v", ErrBadSpec, source, err)
		}
		v3, err := openapi2conv.ToV3(&v2)
		if err != nil {
			return nil, fmt.Errorf("%w %s: converting Swagger 2.0: %v", ErrBadSpec, source, err)
		}
		doc = v3
	case strings.HasPrefix(probe.OpenAPI, "3."):
		loader := openapi3.NewLoader()
		loader.Context = ctx
		loader.IsExternalRefsAllowed = false
		d, err := loader.LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("%w %s: %v", ErrBadSpec, source, err)
		}
		doc = d
	default:
		return nil, fmt.Errorf("%w %s: neither \"openapi: 3.x\" nor \"swagger: 2.0\" at the top level", ErrBadSpec, source)
	}
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		return nil, fmt.Errorf("%w %s: it documents no paths", ErrBadSpec, source)
	}
	return specOperations(doc), nil
}

func yamlToJSON(data []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// basePath returns the path of the first server URL ("" for none or "/").
func basePath(doc *openapi3.T) string {
	if len(doc.Servers) == 0 {
		return ""
	}
	u, err := url.Parse(doc.Servers[0].URL)
	if err != nil || strings.Contains(u.Path, "{") {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// specOperations lists the operations of doc, sorted by path then method.
func specOperations(doc *openapi3.T) []Operation {
	base := basePath(doc)
	var ops []Operation
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		item := doc.Paths.Value(p)
		if item == nil {
			continue
		}
		for method, op := range item.Operations() {
			if op == nil {
				continue
			}
			o := Operation{Method: strings.ToUpper(method), Path: base + p, Documented: true}
			for _, pr := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
				if pr.Value == nil || (pr.Value.In != "path" && pr.Value.In != "query") {
					continue
				}
				o.Params = append(o.Params, specParam(pr.Value))
			}
			reqs := doc.Security
			if op.Security != nil {
				reqs = *op.Security
			}
			o.Secured, o.Public = securityOf(reqs, op.Security != nil)
			o.Admin = isAdmin(o.Path, op, reqs)
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
					o.Body = exampleBody(mt)
				}
			}
			ops = append(ops, o)
		}
	}
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops
}

// securityOf reports whether reqs require credentials, and whether the
// operation explicitly requires none.
func securityOf(reqs openapi3.SecurityRequirements, explicit bool) (secured, public bool) {
	if len(reqs) == 0 {
		return false, explicit
	}
	for _, r := range reqs {
		if len(r) == 0 { // {} means "anonymous is one alternative"
			return false, true
		}
	}
	return true, false
}

func isAdmin(path string, op *openapi3.Operation, reqs openapi3.SecurityRequirements) bool {
	for _, seg := range strings.Split(strings.ToLower(path), "/") {
		if seg == "admin" || seg == "admins" {
			return true
		}
	}
	for _, t := range op.Tags {
		if strings.EqualFold(t, "admin") {
			return true
		}
	}
	if v, ok := op.Extensions["x-admin"].(bool); ok && v {
		return true
	}
	for _, r := range reqs {
		for _, scopes := range r {
			for _, s := range scopes {
				if strings.Contains(strings.ToLower(s), "admin") {
					return true
				}
			}
		}
	}
	return false
}

func specParam(p *openapi3.Parameter) Param {
	out := Param{Name: p.Name, In: p.In, URLLike: urlLikeName(p.Name)}
	var ex any = p.Example
	if s := p.Schema; s != nil && s.Value != nil {
		if ex == nil {
			ex = s.Value.Example
		}
		if ex == nil {
			ex = s.Value.Default
		}
		if ex == nil && len(s.Value.Enum) > 0 {
			ex = s.Value.Enum[0]
		}
		if s.Value.Format == "uri" || s.Value.Format == "url" {
			out.URLLike = true
		}
		if ex == nil && p.In == "query" && p.Required {
			ex = exampleOf(s.Value, 0)
		}
	}
	if ex != nil {
		out.Example = fmt.Sprint(ex)
	}
	if strings.HasPrefix(out.Example, "http://") || strings.HasPrefix(out.Example, "https://") {
		out.URLLike = true
	}
	return out
}

// exampleBody returns the media type's example, or one built from its schema.
func exampleBody(mt *openapi3.MediaType) []byte {
	var ex any = mt.Example
	if ex == nil && mt.Schema != nil && mt.Schema.Value != nil {
		ex = exampleOf(mt.Schema.Value, 0)
	}
	if ex == nil {
		return nil
	}
	b, err := json.Marshal(ex)
	if err != nil {
		return nil
	}
	return b
}

// exampleOf builds a value that matches s, three levels deep at most.
func exampleOf(s *openapi3.Schema, depth int) any {
	if s.Example != nil {
		return s.Example
	}
	if s.Default != nil {
		return s.Default
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch {
	case s.Type.Is("object") || (s.Type == nil && len(s.Properties) > 0):
		if depth > 2 {
			return map[string]any{}
		}
		m := map[string]any{}
		for name, p := range s.Properties {
			if p.Value == nil || p.Value.ReadOnly {
				continue
			}
			m[name] = exampleOf(p.Value, depth+1)
		}
		return m
	case s.Type.Is("array"):
		if s.Items == nil || s.Items.Value == nil || depth > 2 {
			return []any{}
		}
		return []any{exampleOf(s.Items.Value, depth+1)}
	case s.Type.Is("integer"), s.Type.Is("number"):
		return 1
	case s.Type.Is("boolean"):
		return false
	case s.Format == "uri" || s.Format == "url":
		return "https://example.com/"
	case s.Format == "email":
		return "scan@example.com"
	default:
		return "rampart-scan"
	}
}
