package depaudit

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Source finds the advisories that may affect packages. Advisories returns,
// for each package (by index into pkgs), the entries that name it; the
// caller decides with each ecosystem's version ordering which of them
// affect the installed version.
type Source interface {
	Advisories(ctx context.Context, pkgs []Package) ([][]*Entry, error)
	// Describe says in a few words where advisories come from.
	Describe() string
}

// DB is an in-memory index of OSV entries loaded from local files.
type DB struct {
	root    string
	count   int
	byName  map[string][]*Entry
	entries []*Entry
}

var _ Source = (*DB)(nil)

// LoadDB reads every OSV entry below dir. It accepts a plain directory tree
// of *.json files (such as osv.dev's unpacked exports), a checkout or module
// of golang.org/x/vulndb (it reads data/osv), and the Go vulnerability
// database's v1 layout (it reads ID/ and ignores index/). A file that is not
// valid OSV JSON is an error naming it: an advisory database that is silently
// missing entries would let vulnerable packages pass.
func LoadDB(dir string) (*DB, error) {
	fsys := os.DirFS(dir)
	root := "."
	for _, sub := range []string{"data/osv", "ID"} {
		if fi, err := fs.Stat(fsys, sub); err == nil && fi.IsDir() {
			root = sub
			break
		}
	}
	if _, err := fs.Stat(fsys, root); err != nil {
		return nil, fmt.Errorf("opening advisory database: %w", err)
	}
	db := &DB{root: path.Join(dir, root), byName: map[string][]*Entry{}}
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (d.Name() == "index" || strings.HasPrefix(d.Name(), ".")) {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".json") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var e Entry
		if err := json.Unmarshal(data, &e); err != nil {
			return fmt.Errorf("advisory file %s: %w", path.Join(dir, p), err)
		}
		if e.ID == "" {
			return fmt.Errorf("advisory file %s: no id: not an OSV entry", path.Join(dir, p))
		}
		db.add(&e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading advisory database %s: %w", dir, err)
	}
	if db.count == 0 {
		return nil, fmt.Errorf("loading advisory database %s: no OSV *.json files found", dir)
	}
	return db, nil
}

// NewDB indexes entries held in memory.
func NewDB(entries []*Entry) *DB {
	db := &DB{root: "memory", byName: map[string][]*Entry{}}
	for _, e := range entries {
		db.add(e)
	}
	return db
}

func (db *DB) add(e *Entry) {
	db.count++
	db.entries = append(db.entries, e)
	seen := map[string]bool{}
	for _, a := range e.Affected {
		eco := Ecosystem(baseEcosystem(a.Package.Ecosystem))
		k := string(eco) + "\x00" + normalizeName(eco, a.Package.Name)
		if !seen[k] {
			seen[k] = true
			db.byName[k] = append(db.byName[k], e)
		}
	}
}

// Len returns the number of entries in the database.
func (db *DB) Len() int { return db.count }

// Entries returns every entry, in the order they were loaded.
func (db *DB) Entries() []*Entry { return db.entries }

// Describe names the directory the entries were read from.
func (db *DB) Describe() string {
	return fmt.Sprintf("local OSV database %s (%d advisories)", db.root, db.count)
}

// Advisories returns the entries that name each package.
func (db *DB) Advisories(_ context.Context, pkgs []Package) ([][]*Entry, error) {
	out := make([][]*Entry, len(pkgs))
	for i, p := range pkgs {
		out[i] = db.byName[string(p.Ecosystem)+"\x00"+normalizeName(p.Ecosystem, p.Name)]
	}
	return out, nil
}
