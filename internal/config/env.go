package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// This file applies RAMPART_* environment variables over the file.
//
// Every scalar key (and every list of scalars, written comma-separated) can be
// set by RAMPART_ + its key path upper-cased with dots as underscores:
// server.read_header_timeout is RAMPART_SERVER_READ_HEADER_TIMEOUT. A field's
// `env:"RAMPART_X"` tag adds a short alias; setting both names to different
// values is an error. Keys inside lists and maps cannot be set this way. An
// empty variable counts as unset. Other RAMPART_* variables are not errors:
// other tools share the prefix (EnvWarnings points out near misses).

// envPrefix starts every variable rampart reads.
const envPrefix = "RAMPART_"

// environMap returns the RAMPART_* variables of environ (os.Environ form)
// that are not empty. As with os.Getenv, the first of repeated names wins.
func environMap(environ []string) map[string]string {
	m := map[string]string{}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envPrefix) {
			continue
		}
		if _, dup := m[name]; !dup {
			m[name] = val
		}
	}
	for name, val := range m {
		if val == "" {
			delete(m, name)
		}
	}
	return m
}

// applyEnv sets the keys named by environment variables in environ. out is
// a pointer to a struct (a *Config).
func applyEnv(out any, environ []string, st *state) Errors {
	vars := environMap(environ)
	if len(vars) == 0 {
		return nil
	}
	root := reflect.ValueOf(out).Elem()
	var errs Errors
	for _, k := range keysOf(root.Type()) {
		if len(k.env) == 0 {
			continue
		}
		name, val, ok := "", "", false
		for _, n := range k.env {
			v, set := vars[n]
			if !set {
				continue
			}
			if ok && v != val {
				errs = append(errs, &Error{Env: n, Path: k.path, Msg: fmt.Sprintf(
					"conflicts with %s, which is set to a different value; unset one of them", name)})
				st.bad[k.path] = true
				ok = false
				break
			}
			if !ok {
				name, val, ok = n, v, true
			}
		}
		if !ok {
			continue
		}
		target := envTarget(root, k.chain)
		if errs1 := setFromEnv(target, val, name, k.path); len(errs1) > 0 {
			errs = append(errs, errs1...)
			st.bad[k.path] = true
			continue
		}
		st.src[k.path] = origin{env: name}
	}
	return errs
}

// envTarget walks chain from root, allocating nil pointers on the way, and
// returns the (dereferenced) field.
func envTarget(root reflect.Value, chain [][]int) reflect.Value {
	v := root
	for _, idx := range chain {
		v = fieldByIndex(deref(v), idx)
	}
	return deref(v)
}

// deref follows pointers, allocating nil ones.
func deref(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	return v
}

// setFromEnv parses val into v: one scalar, or a comma-separated list.
func setFromEnv(v reflect.Value, val, name, path string) Errors {
	if !isScalarList(v.Type()) || isScalarType(v.Type()) {
		if err := setScalar(v, val); err != nil {
			return Errors{{Env: name, Path: path, Msg: err.Error()}}
		}
		return nil
	}
	var items []string
	for item := range strings.SplitSeq(val, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	s := reflect.MakeSlice(v.Type(), len(items), len(items))
	var errs Errors
	for i, item := range items {
		if err := setScalar(deref(s.Index(i)), item); err != nil {
			errs = append(errs, &Error{Env: name, Path: fmt.Sprintf("%s[%d]", path, i), Msg: err.Error()})
		}
	}
	if len(errs) == 0 {
		v.Set(s)
	}
	return errs
}

// EnvWarnings returns a warning for each RAMPART_* variable in environ that
// rampart does not read but whose name is close to one it does, such as
// RAMPART_LISTN or RAMPART_server_listen. Variables far from every known name
// are left alone: other tools use the prefix too.
func EnvWarnings(environ []string) []string {
	var known []string
	for _, k := range configKeys() {
		known = append(known, k.env...)
	}
	norm := func(s string) string { return strings.ReplaceAll(strings.ToUpper(s), "_", "") }
	var out []string
	for name := range environMap(environ) {
		if slices.Contains(known, name) {
			continue
		}
		rest := strings.TrimPrefix(name, envPrefix)
		best, bestDist := "", -1
		for _, k := range known {
			kr := strings.TrimPrefix(k, envPrefix)
			d := levenshtein(rest, kr)
			if norm(rest) == norm(kr) {
				d = 0
			}
			if bestDist < 0 || d < bestDist {
				best, bestDist = k, d
			}
		}
		if best != "" && bestDist <= max(1, min(2, len(best)/8)) {
			out = append(out, fmt.Sprintf("environment %s is not a rampart setting; did you mean %s?", name, best))
		}
	}
	slices.Sort(out)
	return out
}
