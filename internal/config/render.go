package config

import (
	"bytes"
	_ "embed"
	"encoding"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// defaultFile is a complete, commented config file holding every default.
// TestDefaultFile keeps it equal to Default() and complete.
//
//go:embed defaults.yaml
var defaultFile []byte

// DefaultFile returns a complete, commented config file that sets every key
// to its default (what `rampart config defaults` prints).
func DefaultFile() []byte { return bytes.Clone(defaultFile) }

// redactedText replaces secrets in rendered output.
const redactedText = "[REDACTED]"

// Redacted renders c as a YAML config file, for display: secrets become
// "[REDACTED]", and passwords inside URLs become "xxxxx". The output is
// therefore not a working config when c holds secrets.
func (c *Config) Redacted() ([]byte, error) {
	n, err := encodeValue(reflect.ValueOf(c), 0)
	if err != nil {
		return nil, err
	}
	return renderNode(n)
}

// renderNode encodes n as YAML with two-space indentation.
func renderNode(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("rendering config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("rendering config: %w", err)
	}
	return buf.Bytes(), nil
}

func scalarNode(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

// encodeValue builds the YAML node for v, redacting secrets.
func encodeValue(v reflect.Value, depth int) (*yaml.Node, error) {
	if depth > maxTypeDepth {
		return nil, fmt.Errorf("rendering config: nested too deeply")
	}
	t := v.Type()
	switch {
	case t == secretType:
		if v.String() == "" {
			return scalarNode("!!str", ""), nil
		}
		return scalarNode("!!str", redactedText), nil
	case t == durationType:
		return scalarNode("!!str", formatDuration(time.Duration(v.Int()))), nil
	case t.Kind() != reflect.Pointer && t.Implements(textMarshalerType) && v.CanInterface():
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return nil, fmt.Errorf("rendering %s: %w", t, err)
		}
		return scalarNode("!!str", string(b)), nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return scalarNode("!!null", "null"), nil
		}
		return encodeValue(v.Elem(), depth+1)
	case reflect.String:
		return scalarNode("!!str", redactURL(v.String())), nil
	case reflect.Bool:
		return scalarNode("!!bool", strconv.FormatBool(v.Bool())), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalarNode("!!int", strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return scalarNode("!!int", strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		f := strconv.FormatFloat(v.Float(), 'g', -1, t.Bits())
		if !strings.ContainsAny(f, ".eIN") {
			f += ".0" // so it reads back as a float, not an integer
		}
		return scalarNode("!!float", f), nil
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, f := range structFields(t) {
			val, err := encodeValue(v.FieldByIndex(f.index), depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, scalarNode("!!str", f.name), val)
		}
		return n, nil
	case reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if v.Len() == 0 {
			n.Style = yaml.FlowStyle
		}
		for i := range v.Len() {
			item, err := encodeValue(v.Index(i), depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, item)
		}
		return n, nil
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if v.Len() == 0 {
			n.Style = yaml.FlowStyle
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			val, err := encodeValue(v.MapIndex(k), depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, scalarNode("!!str", k.String()), val)
		}
		return n, nil
	}
	return nil, fmt.Errorf("rendering config: cannot render a %s", t)
}

// redactURL hides the password of a URL with credentials
// ("postgres://rampart:xxxxx@db/rampart"), including a password query
// parameter; other strings are returned unchanged.
func redactURL(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(s, "@") {
			return redactedText // unparsable, and may hold credentials
		}
		return s
	}
	changed := false
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
		changed = true
	}
	if q := u.Query(); len(q) > 0 {
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") || strings.EqualFold(k, "secret") {
				q.Set(k, "xxxxx")
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return s
	}
	return u.String()
}
