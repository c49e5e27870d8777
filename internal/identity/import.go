package identity

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/password"
)

// ImportRow is one user read from an import file.
type ImportRow struct {
	Line     int
	Username string
	Hash     string
	Roles    []string
	Disabled bool
	Scheme   password.Scheme
}

// LineError is a problem with one line of an import file.
type LineError struct {
	Line int
	Msg  string
}

// ImportError lists every bad line of an import file; nothing was imported.
type ImportError struct {
	File   string
	Errors []LineError
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s), nothing was imported:", e.File, len(e.Errors))
	for _, le := range e.Errors {
		fmt.Fprintf(&b, "\n  %s:%d: %s", e.File, le.Line, le.Msg)
	}
	return b.String()
}

// ImportFormat is the syntax of an import file.
type ImportFormat string

// The import formats.
const (
	FormatAuto  ImportFormat = ""
	FormatCSV   ImportFormat = "csv"
	FormatJSONL ImportFormat = "jsonl"
)

// DetectFormat picks a format from the file name, else from the content.
func DetectFormat(name string, data []byte) ImportFormat {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return FormatCSV
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL
	}
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		return FormatJSONL
	}
	return FormatCSV
}

// ParseImport reads a user table in CSV (a header row naming username, hash
// and optionally roles and disabled; roles separated by ';', '|' or spaces)
// or JSON lines ({"username":…, "hash":…, "roles":[…], "disabled":false}).
// Every row is checked, including that its hash is a well-formed hash of a
// supported scheme; all problems are returned at once with line numbers.
func ParseImport(name string, data []byte, format ImportFormat) ([]ImportRow, []LineError) {
	if format == FormatAuto {
		format = DetectFormat(name, data)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var rows []ImportRow
	var errs []LineError
	switch format {
	case FormatCSV:
		rows, errs = parseCSV(data)
	case FormatJSONL:
		rows, errs = parseJSONL(data)
	default:
		return nil, []LineError{{0, fmt.Sprintf("unknown format %q (want csv or jsonl)", format)}}
	}
	if len(rows) == 0 && len(errs) == 0 {
		errs = append(errs, LineError{1, "no users in file"})
	}
	seen := map[string]int{}
	for i := range rows {
		r := &rows[i]
		if err := ValidateUsername(r.Username); err != nil {
			errs = append(errs, LineError{r.Line, strings.TrimPrefix(err.Error(), "invalid ")})
		}
		if prev, dup := seen[strings.ToLower(r.Username)]; dup {
			errs = append(errs, LineError{r.Line, fmt.Sprintf("username %q duplicates line %d", r.Username, prev)})
		} else {
			seen[strings.ToLower(r.Username)] = r.Line
		}
		scheme, err := password.Identify(r.Hash)
		if err != nil {
			errs = append(errs, LineError{r.Line, fmt.Sprintf("hash for %q: %v", r.Username, err)})
		}
		r.Scheme = scheme
		for _, role := range r.Roles {
			if err := ValidateRoleName(role); err != nil {
				errs = append(errs, LineError{r.Line, strings.TrimPrefix(err.Error(), "invalid ")})
			}
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return rows, errs
}

func parseCSV(data []byte) ([]ImportRow, []LineError) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, []LineError{{1, "reading CSV header: " + csvMsg(err)}}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch h {
		case "password_hash", "password":
			h = "hash"
		case "user", "login":
			h = "username"
		case "groups":
			h = "roles"
		}
		col[h] = i
	}
	var errs []LineError
	for _, need := range []string{"username", "hash"} {
		if _, ok := col[need]; !ok {
			errs = append(errs, LineError{1, fmt.Sprintf("CSV header %q has no %q column (need username,hash[,roles][,disabled])", strings.Join(header, ","), need)})
		}
	}
	if errs != nil {
		return nil, errs
	}
	var rows []ImportRow
	for {
		line, _ := r.FieldPos(0)
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, LineError{pe.StartLine, csvMsg(err)})
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					break // the rest of the file cannot be trusted
				}
				continue
			}
			errs = append(errs, LineError{line, err.Error()})
			break
		}
		line, _ = r.FieldPos(0)
		if len(rec) != len(header) {
			errs = append(errs, LineError{line, fmt.Sprintf("expected %d fields like the header, got %d (truncated line?)", len(header), len(rec))})
			continue
		}
		row := ImportRow{Line: line, Username: strings.TrimSpace(rec[col["username"]]), Hash: strings.TrimSpace(rec[col["hash"]])}
		if i, ok := col["roles"]; ok {
			row.Roles = splitRoles(rec[i])
		}
		if i, ok := col["disabled"]; ok && strings.TrimSpace(rec[i]) != "" {
			b, err := strconv.ParseBool(strings.TrimSpace(rec[i]))
			if err != nil {
				errs = append(errs, LineError{line, fmt.Sprintf("disabled: expected true or false, got %q", rec[i])})
			}
			row.Disabled = b
		}
		rows = append(rows, row)
	}
	return rows, errs
}

func csvMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrQuote) {
			return "unterminated quoted field (file truncated?)"
		}
		return pe.Err.Error()
	}
	return err.Error()
}

func splitRoles(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == ',' || r == ' ' })
}

type jsonRow struct {
	Username     string          `json:"username"`
	Hash         string          `json:"hash"`
	PasswordHash string          `json:"password_hash"`
	Roles        json.RawMessage `json:"roles"`
	Disabled     bool            `json:"disabled"`
}

func parseJSONL(data []byte) ([]ImportRow, []LineError) {
	var rows []ImportRow
	var errs []LineError
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var jr jsonRow
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&jr); err != nil {
			msg := err.Error()
			if errors.Is(err, io.ErrUnexpectedEOF) {
				msg = "incomplete JSON object (file truncated?)"
			}
			errs = append(errs, LineError{line, msg})
			continue
		}
		if dec.More() {
			errs = append(errs, LineError{line, "more than one JSON value on the line"})
			continue
		}
		row := ImportRow{Line: line, Username: jr.Username, Hash: jr.Hash, Disabled: jr.Disabled}
		if row.Hash == "" {
			row.Hash = jr.PasswordHash
		}
		if len(jr.Roles) > 0 && string(jr.Roles) != "null" {
			var list []string
			var one string
			if json.Unmarshal(jr.Roles, &list) == nil {
				row.Roles = list
			} else if json.Unmarshal(jr.Roles, &one) == nil {
				row.Roles = splitRoles(one)
			} else {
				errs = append(errs, LineError{line, "roles: expected a list of strings or a string"})
			}
		}
		if row.Username == "" {
			errs = append(errs, LineError{line, "missing \"username\""})
			continue
		}
		if row.Hash == "" {
			errs = append(errs, LineError{line, "missing \"hash\""})
			continue
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, LineError{line + 1, err.Error()})
	}
	return rows, errs
}

// ImportSummary reports what an import did.
type ImportSummary struct {
	Users    int
	BySchema map[password.Scheme]int
}

// ImportUsers parses and validates the whole file, checks it against the
// database (existing usernames, unknown roles), and creates every user in one
// transaction. On any problem it returns an *ImportError and imports nothing.
func (s *Service) ImportUsers(ctx context.Context, name string, data []byte, format ImportFormat) (*ImportSummary, error) {
	rows, errs := ParseImport(name, data, format)
	roles, err := s.st.Roles(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, r := range roles {
		known[r.Name] = true
	}
	existing, err := s.st.Users(ctx)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, u := range existing {
		taken[strings.ToLower(u.Username)] = true
	}
	for _, r := range rows {
		if taken[strings.ToLower(r.Username)] {
			errs = append(errs, LineError{r.Line, fmt.Sprintf("user %q already exists", r.Username)})
		}
		for _, role := range r.Roles {
			if roleRE.MatchString(role) && !known[role] {
				errs = append(errs, LineError{r.Line, fmt.Sprintf("unknown role %q (create it first: rampart role create %s)", role, role)})
			}
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, &ImportError{File: name, Errors: errs}
	}
	sum := &ImportSummary{BySchema: map[password.Scheme]int{}}
	users := make([]*store.User, 0, len(rows))
	for _, r := range rows {
		id, err := s.newID("usr_")
		if err != nil {
			return nil, err
		}
		users = append(users, &store.User{ID: id, Username: r.Username, PasswordHash: r.Hash, Roles: r.Roles, Disabled: r.Disabled})
		sum.BySchema[r.Scheme]++
	}
	if err := s.st.CreateUsers(ctx, users); err != nil {
		return nil, fmt.Errorf("%s: nothing was imported: %w", name, err)
	}
	sum.Users = len(users)
	return sum, nil
}
