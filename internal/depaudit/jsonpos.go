package depaudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// decodeJSON unmarshals a lock file and, when it is malformed, reports the
// line where decoding stopped.
func decodeJSON(file string, data []byte, v any) *Problem {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		p := problemf(file, lineAt(data, syn.Offset), "malformed JSON: %v", err)
		return &p
	case errors.As(err, &typ):
		p := problemf(file, lineAt(data, typ.Offset), "unexpected JSON: %v", err)
		return &p
	}
	p := problemf(file, 0, "malformed JSON: %v", err)
	return &p
}

// lineAt returns the 1-based line holding byte offset off of data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// keyLine returns the line of the first JSON object member named key whose
// value is an object, at or after byte offset from, and the offset just
// past its opening brace; or (0, from) when there is none. Lock files are
// written one key a line, so this finds the line a package is pinned on
// without a position-tracking decoder.
func keyLine(data []byte, key string, from int) (int, int) {
	needle := []byte(strconv.Quote(key))
	for from < len(data) {
		i := bytes.Index(data[from:], needle)
		if i < 0 {
			break
		}
		at := from + i
		j := skipSpace(data, at+len(needle))
		if j < len(data) && data[j] == ':' {
			j = skipSpace(data, j+1)
			if j < len(data) && data[j] == '{' {
				return lineAt(data, int64(at)), j + 1
			}
		}
		from = at + len(needle)
	}
	return 0, from
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}
