package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// This file maps Go struct fields to YAML keys, for the decoder, the
// environment, validation and the documentation test alike.
//
// A field's key is the name in its `yaml:"name"` tag (a field without a tag
// is keyed by its lower-cased Go name, as yaml.v3 does; `yaml:"-"` hides it);
// `yaml:",inline"` on a struct field lifts that struct's keys into the parent.
// An `env:"RAMPART_X"` tag gives a scalar a short environment variable name
// beside the long one derived from its path.

var (
	durationType        = reflect.TypeFor[time.Duration]()
	secretType          = reflect.TypeFor[Secret]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
)

// maxTypeDepth bounds how deep the type walkers go, so a recursive type
// cannot make them loop.
const maxTypeDepth = 16

// field is one key of a struct.
type field struct {
	name  string // YAML key
	index []int  // for reflect.Value.FieldByIndex
	env   string // short environment variable name, from the env tag
	typ   reflect.Type
}

// structFields returns the keys of struct type t in declaration order.
func structFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		inline := hasOpt(opts, "inline") && sf.Type.Kind() == reflect.Struct
		if name == "-" || !sf.IsExported() && !(inline && sf.Anonymous) {
			continue
		}
		if inline {
			for _, f := range structFields(sf.Type) {
				f.index = append([]int{i}, f.index...)
				out = append(out, f)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		out = append(out, field{name: name, index: []int{i}, env: sf.Tag.Get("env"), typ: sf.Type})
	}
	return out
}

func hasOpt(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// isScalarType reports whether values of t are written as one YAML scalar:
// strings, booleans, numbers, durations, and types that implement
// encoding.TextUnmarshaler (a later "10/s" rate type, say).
func isScalarType(t reflect.Type) bool {
	if t == durationType || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// derefType strips pointers.
func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// isScalarList reports whether t is a slice of scalars, which the environment
// sets from a comma-separated list.
func isScalarList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && isScalarType(derefType(t.Elem()))
}

// keyInfo describes one key that a config file may set.
type keyInfo struct {
	// path is the key path; list elements appear as "[]" and map values as
	// ".*", as in "routes[].name" or "authenticators.*.type".
	path string
	// leaf is true for scalars and lists of scalars.
	leaf bool
	// env is the environment variables that set the key, the long name
	// first; empty for keys inside lists and maps, which the environment
	// cannot reach.
	env []string
	// chain leads from the Config to the field: one FieldByIndex index per
	// struct, pointers dereferenced in between. Set only when env is.
	chain [][]int
}

// configKeys returns every key of the Config type, depth first.
func configKeys() []keyInfo { return keysOf(reflect.TypeFor[Config]()) }

// keysOf returns every key of struct type t, depth first.
func keysOf(t reflect.Type) []keyInfo {
	var out []keyInfo
	walkKeys(t, "", nil, true, 0, func(k keyInfo) { out = append(out, k) })
	return out
}

func walkKeys(t reflect.Type, path string, chain [][]int, envOK bool, depth int, fn func(keyInfo)) {
	if depth > maxTypeDepth {
		return
	}
	for _, f := range structFields(t) {
		p := joinKey(path, f.name)
		ft := derefType(f.typ)
		k := keyInfo{path: p}
		var c [][]int
		if envOK {
			c = append(append([][]int(nil), chain...), f.index)
		}
		switch {
		case isScalarType(ft) || isScalarList(ft):
			k.leaf = true
			if envOK {
				k.env = envNames(p, f.env)
				k.chain = c
			}
			fn(k)
		case ft.Kind() == reflect.Struct:
			fn(k)
			walkKeys(ft, p, c, envOK, depth+1, fn)
		case ft.Kind() == reflect.Slice:
			fn(k)
			if et := derefType(ft.Elem()); et.Kind() == reflect.Struct {
				walkKeys(et, p+"[]", nil, false, depth+1, fn)
			}
		case ft.Kind() == reflect.Map:
			fn(k)
			if et := derefType(ft.Elem()); et.Kind() == reflect.Struct {
				walkKeys(et, p+".*", nil, false, depth+1, fn)
			}
		default:
			fn(k)
		}
	}
}

// envNames returns the environment variables for the key at path: the long
// name RAMPART_ + the path upper-cased with dots as underscores, then the
// short alias from the env tag, if any.
func envNames(path, alias string) []string {
	long := "RAMPART_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
	if alias == "" || alias == long {
		return []string{long}
	}
	return []string{long, alias}
}

// joinKey appends key to path. Keys that are not plain words (map keys can be
// anything) are quoted so a path is always one unambiguous line.
func joinKey(path, key string) string {
	if !isPlainKey(key) {
		return fmt.Sprintf("%s[%q]", path, key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func isPlainKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// parentKey returns the path one level up: "server" for "server.listen",
// "routes" for "routes[2]", "" at the top.
func parentKey(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// suggestKey returns a hint for an unknown key name among the struct's keys:
// the closest sibling, else the same key elsewhere in the root type, else the
// list of valid keys.
func suggestKey(name string, fields []field, root reflect.Type) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "-", "_")) }
	n := norm(name)
	best, bestDist := "", -1
	for _, f := range fields {
		d := levenshtein(n, norm(f.name))
		if bestDist < 0 || d < bestDist {
			best, bestDist = f.name, d
		}
	}
	if best != "" && bestDist <= max(1, min(3, len(best)/3)) {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	for _, k := range keysOf(root) {
		last := k.path[strings.LastIndexAny(k.path, ".]")+1:]
		if norm(last) == n && !strings.ContainsAny(k.path, "[*") {
			return fmt.Sprintf("; did you mean %q? (it belongs under %s)", k.path, parentKey(k.path))
		}
	}
	if len(fields) > 0 && len(fields) <= 20 {
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.name
		}
		return "; valid keys are " + strings.Join(names, ", ")
	}
	return ""
}

// levenshtein is the edit distance between a and b, in bytes.
func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
