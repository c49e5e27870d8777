package depaudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

// keyLine returns the line of the first occurrence of the JSON object key
// key at or after byte offset from, and the offset just past it, or (0,
// from) when it is not found. Lock files are written one key a line, so
// this finds the line a package is pinned on without a position-tracking
// decoder.
func keyLine(data []byte, key string, from int) (int, int) {
	needle := []byte(strconv.Quote(key) + ":")
	if from > len(data) {
		from = len(data)
	}
	i := bytes.Index(data[from:], needle)
	if i < 0 {
		needle = []byte(fmt.Sprintf("%q :", key))
		if i = bytes.Index(data[from:], needle); i < 0 {
			return 0, from
		}
	}
	at := from + i
	return lineAt(data, int64(at)), at + len(needle)
}
