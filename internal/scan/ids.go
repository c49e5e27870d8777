package scan

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// maxIDs bounds how many object ids one response contributes.
const maxIDs = 5

// extractIDs returns object identifiers found in a JSON body (untrusted
// input; see FuzzExtractIDs): the values of "id", "uuid", "ID" and "Id"
// members that are strings or integers, each once, at most maxIDs. Members
// that merely end in _id or Id (owner_id, userId) name other objects, not
// this one, and are not taken. Object members are walked in sorted order,
// so the result is the same on every run.
func extractIDs(body []byte) []string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if len(out) >= maxIDs || depth > 8 {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			for _, k := range []string{"id", "uuid", "ID", "Id"} {
				if id, ok := idValue(t[k]); ok && !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			}
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(t[k], depth+1)
			}
		case []any:
			for _, child := range t {
				walk(child, depth+1)
			}
		}
	}
	walk(v, 0)
	return out
}

func idValue(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		if t != "" && len(t) <= 128 && !strings.ContainsAny(t, "/?#\x00") {
			return t, true
		}
	case json.Number:
		if _, err := strconv.ParseInt(t.String(), 10, 64); err == nil {
			return t.String(), true
		}
	}
	return "", false
}

// memberIs reports whether the decoded JSON object m has member name equal
// to want (compared as JSON values).
func memberIs(m map[string]any, name string, want any) bool {
	got, ok := m[name]
	if !ok {
		return false
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	return bytes.Equal(a, b)
}
