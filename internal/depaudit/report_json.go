package depaudit

import (
	"encoding/json"
	"io"
)

// writeJSON renders the report as indented JSON; its shape is the Report
// type's.
func writeJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
