package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// This file decodes a YAML document into a Config strictly: it parses the
// file into a yaml.Node tree and walks the tree against the Go types by
// reflection, collecting every problem with its line and key path instead of
// stopping at the first.
//
// Rules:
//   - A key the type does not have is an error, with the nearest known key.
//   - A key given twice in one mapping is an error.
//   - A null value ("key:" with nothing after it, "~", "null") leaves the key
//     at its default.
//   - A file holds one YAML document; an empty document after "---" is ignored.
//   - Anchors, aliases and merge keys ("<<: *base") work as YAML defines them;
//     an alias that contains itself is an error, and the decoder stops when
//     aliases expand the document far beyond its size.
//   - A list replaces the default list; a map replaces the default map; a
//     mapping for a struct sets only the keys it names.
//   - A new struct made for a list element, a map value or a nil pointer
//     starts from its type's defaults when *T has a setDefaults() method.

// maxFileSize bounds the size of a config file.
const maxFileSize = 4 << 20

// maxDecodeErrors stops decoding after this many problems; past that point
// more messages help nobody.
const maxDecodeErrors = 100

// maxNesting bounds the depth of the walk, merge keys included.
const maxNesting = 64

// origin is where a key's value came from: a line of the file, or an
// environment variable.
type origin struct {
	line int
	env  string
}

// state is what decoding learns besides the values, for validation.
type state struct {
	// src holds the origin of every key set by the file or the environment.
	src map[string]origin
	// bad holds keys whose value could not be decoded, so validation does
	// not report them a second time.
	bad map[string]bool
}

func newState() *state {
	return &state{src: map[string]origin{}, bad: map[string]bool{}}
}

// defaulter is implemented by config types whose new values (list elements,
// map values) need defaults other than the zero value.
type defaulter interface{ setDefaults() }

type decoder struct {
	root    reflect.Type // the type being decoded, for suggestions
	file    string
	st      *state
	errs    Errors
	budget  int                 // nodes left to visit; guards alias expansion
	active  map[*yaml.Node]bool // alias targets being decoded, to refuse cycles
	depth   int
	stopped bool
}

// decodeFile decodes data into out, a pointer to a struct (a *Config). When
// the file cannot be decoded at all (not YAML, not a mapping) fatal is true
// and errs holds only that problem.
func decodeFile(file string, data []byte, out any, st *state) (errs Errors, fatal bool) {
	rv := reflect.ValueOf(out).Elem()
	d := &decoder{root: rv.Type(), file: file, st: st, budget: 100_000 + 2*len(data), active: map[*yaml.Node]bool{}}
	if len(data) > maxFileSize {
		d.errorf(0, "", "the file is %d bytes; a config file may be at most %d", len(data), maxFileSize)
		return d.errs, true
	}
	if line, msg, ok := checkText(data); !ok {
		d.errorf(line, "", "%s", msg)
		return d.errs, true
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, false // an empty file: everything at its default
		}
		d.syntaxError(err, data)
		return d.errs, true
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.syntaxError(err, data)
		return d.errs, true
	case !isEmptyDocument(&extra):
		d.errorf(extra.Line, "", "a second YAML document starts here; a config file holds exactly one (remove the \"---\" line)")
	}
	if len(doc.Content) != 1 {
		return d.errs, false
	}
	root := doc.Content[0]
	if r := d.follow(root, "", root.Line); r != nil && r.Kind != yaml.MappingNode && !isNull(r) {
		d.errorf(root.Line, "", "expected a mapping of keys (version: 1, server: …) at the top of the file, got %s", describeNode(r))
		return d.errs, true
	}
	d.value(root, rv, "", root.Line)
	return d.errs, false
}

func isEmptyDocument(n *yaml.Node) bool {
	return len(n.Content) == 0 || len(n.Content) == 1 && isNull(n.Content[0])
}

func (d *decoder) errorf(line int, path, format string, args ...any) {
	if path != "" {
		d.st.bad[path] = true
	}
	if d.stopped {
		return
	}
	if len(d.errs) >= maxDecodeErrors {
		d.stopped = true
		d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: fmt.Sprintf("too many problems; stopped after %d", maxDecodeErrors)})
		return
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

var (
	yamlLineRe    = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// syntaxError reports a parse error from yaml.v3 with its line.
func (d *decoder) syntaxError(err error, data []byte) {
	msg := err.Error()
	line := 0
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("alias *%s refers to an anchor &%s that is not defined before it", m[1], m[1])
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line = 1 + bytes.Count(data[:i], []byte("\n"))
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if strings.Contains(msg, "tab") || lineStartsWithTab(data, line) {
		msg += " (indent with spaces; YAML does not allow tabs for indentation)"
	}
	d.errorf(line, "", "invalid YAML: %s", msg)
}

func lineStartsWithTab(data []byte, line int) bool {
	if line < 1 {
		return false
	}
	lines := bytes.SplitN(data, []byte("\n"), line+1)
	return len(lines) >= line && bytes.HasPrefix(lines[line-1], []byte("\t"))
}

// checkText finds the first byte sequence that is not UTF-8 or is a
// character YAML forbids, and reports its line.
func checkText(data []byte) (line int, msg string, ok bool) {
	line = 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			hint := ""
			if i == 0 && len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF) {
				hint = " (it looks like UTF-16; save it as UTF-8)"
			}
			return line, fmt.Sprintf("invalid UTF-8 (byte 0x%02X); a config file must be UTF-8 text%s", data[i], hint), false
		case r == '\n':
			line++
		case r == '\t' || r == '\r' || r == 0x85 || r == 0xFEFF:
		case r < 0x20 || r >= 0x7F && r < 0xA0 || r >= 0xD800 && r < 0xE000 || r > 0xFFFD && r < 0x10000:
			return line, fmt.Sprintf("control character %U is not allowed in a config file", r), false
		}
		i += size
	}
	return 0, "", true
}

// spend uses one unit of the node budget and reports whether any is left.
func (d *decoder) spend(line int) bool {
	if d.stopped {
		return false
	}
	d.budget--
	if d.budget < 0 {
		d.errorf(line, "", "aliases expand the document far beyond its size; write the values out or use fewer aliases")
		d.stopped = true
		return false
	}
	return true
}

// follow resolves an alias to the node it names. It returns nil, after
// reporting, when the alias is part of its own value.
func (d *decoder) follow(n *yaml.Node, path string, line int) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if n.Alias == nil || i > maxNesting {
			d.errorf(line, path, "alias *%s refers to nothing", n.Value)
			return nil
		}
		if d.active[n.Alias] {
			d.errorf(line, path, "alias *%s is used inside the value it names", n.Value)
			return nil
		}
		n = n.Alias
	}
	return n
}

// value decodes n into v. line is where the key that holds n is.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, line int) {
	if !d.spend(line) {
		return
	}
	if n = d.follow(n, path, line); n == nil || isNull(n) {
		return
	}
	if tag := n.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") && tag != "!" {
		d.errorf(line, path, "YAML tag %s is not supported; write the value itself", quoteValue(tag))
		return
	}
	if d.depth >= maxNesting {
		d.errorf(line, path, "nested too deeply")
		return
	}
	d.depth++
	d.active[n] = true
	defer func() {
		d.depth--
		delete(d.active, n)
	}()

	t := v.Type()
	switch {
	case isScalarType(t):
		d.scalar(n, v, path, line)
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			nv := reflect.New(t.Elem())
			applyDefaults(nv)
			d.value(n, nv.Elem(), path, line)
			v.Set(nv)
			return
		}
		d.value(n, v.Elem(), path, line)
	case t.Kind() == reflect.Struct:
		d.structure(n, v, path, line)
	case t.Kind() == reflect.Slice:
		d.sequence(n, v, path, line)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		d.mapping(n, v, path, line)
	default:
		d.errorf(line, path, "rampart cannot decode a %s (internal error)", t)
	}
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(line, path, "expected %s, got %s", describeType(v.Type()), describeNode(n))
		return
	}
	if err := setScalar(v, n.Value); err != nil {
		d.errorf(line, path, "%s", err.Error())
	}
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.MappingNode {
		d.errorf(line, path, "expected a mapping, got %s", describeNode(n))
		return
	}
	fields := structFields(v.Type())
	for _, p := range d.pairs(n, path) {
		kp := joinKey(path, p.name)
		f, ok := findField(fields, p.name)
		if !ok {
			d.errorf(p.line, kp, "unknown key%s", suggestKey(p.name, fields, d.root))
			continue
		}
		if !isNull(p.val) {
			d.st.src[kp] = origin{line: p.line}
		}
		d.value(p.val, fieldByIndex(v, f.index), kp, p.line)
	}
}

func findField(fields []field, name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// fieldByIndex is v.FieldByIndex, allocating nil embedded pointers.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(line, path, "expected a sequence, got %s", describeNode(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		d.st.src[ip] = origin{line: item.Line}
		elem := s.Index(i)
		applyDefaults(elem.Addr())
		d.value(item, elem, ip, item.Line)
		if d.stopped {
			break
		}
	}
	v.Set(s)
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.MappingNode {
		d.errorf(line, path, "expected a mapping, got %s", describeNode(n))
		return
	}
	t := v.Type()
	m := reflect.MakeMap(t)
	for _, p := range d.pairs(n, path) {
		kp := joinKey(path, p.name)
		d.st.src[kp] = origin{line: p.line}
		ev := reflect.New(t.Elem()).Elem()
		applyDefaults(ev.Addr())
		d.value(p.val, ev, kp, p.line)
		m.SetMapIndex(reflect.ValueOf(p.name).Convert(t.Key()), ev)
	}
	v.Set(m)
}

// pair is one key and its value in a mapping.
type pair struct {
	name string
	line int
	val  *yaml.Node
}

// pairs returns the entries of mapping n with merge keys applied: keys
// written in n win over merged ones, and among merged mappings the first
// wins. A key written twice in n is reported.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	if d.depth >= maxNesting {
		d.errorf(n.Line, path, "nested too deeply")
		return nil
	}
	d.depth++
	defer func() { d.depth-- }()

	seen := map[string]int{}
	var own, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if !d.spend(k.Line) {
			return nil
		}
		if k = d.follow(k, path, k.Line); k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k.Line, path, "a key must be a string, got %s", describeNode(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(val, path, k.Line)...)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k.Line, joinKey(path, k.Value), "duplicate key; first set on line %d", first)
			continue
		}
		seen[k.Value] = k.Line
		own = append(own, pair{name: k.Value, line: k.Line, val: val})
	}
	for _, p := range merged {
		if _, dup := seen[p.name]; !dup {
			seen[p.name] = p.line
			own = append(own, p)
		}
	}
	return own
}

// merge returns the entries a merge key ("<<") brings in: those of one
// mapping or of a list of mappings.
func (d *decoder) merge(val *yaml.Node, path string, line int) []pair {
	val = d.follow(val, path, line)
	if val == nil {
		return nil
	}
	var sources []*yaml.Node
	switch val.Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{val}
	case yaml.SequenceNode:
		for _, item := range val.Content {
			if item = d.follow(item, path, line); item != nil {
				sources = append(sources, item)
			}
		}
	}
	var out []pair
	seen := map[string]bool{}
	for _, src := range sources {
		if src.Kind != yaml.MappingNode {
			d.errorf(line, path, "a merge key (<<) needs a mapping or a list of mappings, got %s", describeNode(src))
			continue
		}
		if d.active[src] {
			d.errorf(line, path, "a merge key (<<) refers to the mapping it is in")
			continue
		}
		d.active[src] = true
		for _, p := range d.pairs(src, path) {
			if !seen[p.name] {
				seen[p.name] = true
				out = append(out, p)
			}
		}
		delete(d.active, src)
	}
	if len(sources) == 0 {
		d.errorf(line, path, "a merge key (<<) needs a mapping or a list of mappings, got %s", describeNode(val))
	}
	return out
}

// applyDefaults calls setDefaults on p when its type has one.
func applyDefaults(p reflect.Value) {
	if df, ok := p.Interface().(defaulter); ok {
		df.setDefaults()
	}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describeType says what a value of type t is written as.
func describeType(t reflect.Type) string {
	t = derefType(t)
	switch {
	case t == durationType:
		return `a duration like "15s"`
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a sequence"
	default:
		return "a mapping"
	}
}

// describeNode says what kind of YAML value n is, without repeating it (the
// value could be a secret written in the wrong place).
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.ShortTag() {
	case "!!str":
		return "a string"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "null"
	case "!!timestamp":
		return "a timestamp"
	case "!!binary":
		return "binary data"
	default:
		return "a scalar"
	}
}
