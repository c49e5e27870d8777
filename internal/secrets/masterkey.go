package secrets

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rampart-sec/rampart/internal/config"
)

// MasterKeySource says where a master key came from.
type MasterKeySource int

// The sources of a master key.
const (
	FromValue       MasterKeySource = iota // RAMPART_MASTER_KEY or secrets.master_key
	FromFile                               // an existing key file
	FromCreatedFile                        // a key file created just now
)

// ResolveMasterKey returns the master key: value when non-empty (base64 or
// hex of 32 bytes), else the contents of file. A missing file is created with
// mode 0600 only when fresh is true (the database has no master key yet);
// otherwise that is an error, so a lost key file never silently becomes a new
// key that cannot read the existing data. A key file readable by group or
// others is refused, as ssh refuses such private keys.
func ResolveMasterKey(value, file string, fresh bool, random io.Reader) ([]byte, MasterKeySource, error) {
	if value != "" {
		k, err := config.DecodeKey32(value)
		if err != nil {
			return nil, 0, fmt.Errorf("RAMPART_MASTER_KEY / secrets.master_key: %w", err)
		}
		return k, FromValue, nil
	}
	st, err := os.Stat(file)
	switch {
	case err == nil:
		if st.Mode().Perm()&0o077 != 0 {
			return nil, 0, fmt.Errorf("master key file %s has mode %04o; it must not be readable by group or others (chmod 600 %s)", file, st.Mode().Perm(), file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, 0, fmt.Errorf("reading master key file: %w", err)
		}
		k, err := config.DecodeKey32(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, 0, fmt.Errorf("master key file %s: %w", file, err)
		}
		return k, FromFile, nil
	case errors.Is(err, fs.ErrNotExist):
		if !fresh {
			return nil, 0, fmt.Errorf("master key file %s does not exist, but the database is already encrypted under a master key; restore that file or set RAMPART_MASTER_KEY — refusing to create a new key that could not read the existing data", file)
		}
		return createKeyFile(file, random)
	default:
		return nil, 0, fmt.Errorf("master key file: %w", err)
	}
}

func createKeyFile(file string, random io.Reader) ([]byte, MasterKeySource, error) {
	k := make([]byte, KeySize)
	if _, err := io.ReadFull(random, k); err != nil {
		return nil, 0, fmt.Errorf("generating master key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, 0, fmt.Errorf("creating master key file: %w", err)
	}
	// O_EXCL: never overwrite a key file that appeared meanwhile.
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("creating master key file: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(file)
		return nil, 0, fmt.Errorf("writing master key file: %w", err)
	}
	return k, FromCreatedFile, nil
}
