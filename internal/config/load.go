package config

import (
	"errors"
	"io/fs"
	"os"
)

// Load reads the file at path (empty path: no file, defaults only), applies
// the environment (environ in os.Environ() form) and validates. The returned
// error, if any, is an Errors holding every problem found; the Config is then
// nil.
func Load(path string, environ []string) (*Config, error) {
	if path == "" {
		c, _, errs := load("", nil, false, environ)
		return c, errs.orNil()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, Errors{{File: path, Msg: "cannot read the file: " + err.Error()}}
	}
	return Parse(path, data, environ)
}

// Parse is Load for a file already in memory; filename is used in errors.
func Parse(filename string, data []byte, environ []string) (*Config, error) {
	c, _, errs := load(filename, data, true, environ)
	return c, errs.orNil()
}

// load builds a Config from the defaults, the file (when hasFile) and the
// environment, and validates it. It also returns where each value came from.
func load(file string, data []byte, hasFile bool, environ []string) (*Config, *state, Errors) {
	c := Default()
	st := newState()
	var errs Errors
	if hasFile {
		c.Version = 0 // the file must say which version it is written for
		var fatal bool
		if errs, fatal = decodeFile(file, data, c, st); fatal {
			return nil, st, errs
		}
	}
	errs = append(errs, applyEnv(c, environ, st)...)
	errs = append(errs, validateConfig(c, file, st)...)
	if len(errs) > 0 {
		return nil, st, errs
	}
	return c, st, nil
}
