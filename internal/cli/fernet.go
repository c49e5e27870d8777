package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/fernet"
)

// fernetKeysEnv names the environment variable that holds comma-separated
// Fernet keys, used when no --key or --key-file flag is given.
const fernetKeysEnv = "RAMPART_FERNET_KEYS"

// fernetMaxKeyFile bounds how much of a --key-file is read.
const fernetMaxKeyFile = 1 << 20

// errFernetInvalidToken is the one message for every decryption failure, so the
// command says no more than the library does.
var errFernetInvalidToken = errors.New("fernet: invalid token (wrong key, tampered, or older than --ttl)")

// fernetDeps are the collaborators of the fernet commands.
type fernetDeps struct {
	// lookupEnv reads the environment; os.LookupEnv in production.
	lookupEnv func(string) (string, bool)
	// now is the clock for stamping and TTL checks; time.Now in production.
	now func() time.Time
	// rand supplies keys and IVs; nil means crypto/rand.
	rand io.Reader
}

// newFernetCmd is `rampart fernet`: Fernet keys and tokens, compatible with
// Python's cryptography.fernet.
func newFernetCmd(s *streams) *cobra.Command {
	return newFernetCmdWith(s, fernetDeps{lookupEnv: os.LookupEnv, now: time.Now})
}

func newFernetCmdWith(s *streams, d fernetDeps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fernet",
		Short: "Generate Fernet keys, encrypt and decrypt Fernet tokens",
		Long: `Fernet tokens are symmetric, authenticated and timestamped
(https://github.com/fernet/spec). They are interchangeable with Python's
cryptography.fernet: keys from Fernet.generate_key() work here, and tokens
made on either side decrypt on the other.

Keys (for encrypt and decrypt) come from, in this order of preference:
  --key-file FILE           one key per line; blank lines and # comments are
                            ignored; repeatable
  ` + fernetKeysEnv + `       comma-separated keys; used only when no --key or
                            --key-file flag is given
  --key KEY                 repeatable. WARNING: command-line arguments are
                            visible to other local users (ps, /proc); prefer
                            --key-file or ` + fernetKeysEnv + `.

The order of the keys is the rotation order: the first key encrypts, and every
key is tried to decrypt. To rotate, put the new key first and keep the old keys
after it until no token made with them is left.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for %q (see --help)", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newFernetKeygenCmd(s, d), newFernetEncryptCmd(s, d), newFernetDecryptCmd(s, d))
	return cmd
}

func newFernetKeygenCmd(s *streams, d fernetDeps) *cobra.Command {
	return &cobra.Command{
		Use:   "keygen",
		Short: "Print a new random Fernet key",
		Long: `Keygen prints a new random key on one line, in the form Python's
Fernet.generate_key() uses (URL-safe base64 of 32 bytes). Store it in a file
readable only by its owner and pass it with --key-file.`,
		Args: exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			k, err := fernet.GenerateKey(d.rand)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(s.out, k.Encode())
			return err
		},
	}
}

func newFernetEncryptCmd(s *streams, d fernetDeps) *cobra.Command {
	var srcs []fernetKeySource
	cmd := &cobra.Command{
		Use:   "encrypt [--key-file FILE]... [--key KEY]...",
		Short: "Encrypt stdin into a Fernet token",
		Long: `Encrypt reads all of stdin, encrypts it with the first key and writes the
token, followed by a newline, to stdout. See "rampart fernet --help" for where
keys come from.`,
		Args: exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			f, err := fernetFromSources(srcs, d)
			if err != nil {
				return err
			}
			plain, err := io.ReadAll(s.in)
			if err != nil {
				return fmt.Errorf("fernet: reading stdin: %w", err)
			}
			token, err := f.Encrypt(plain)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(s.out, "%s\n", token)
			return err
		},
	}
	addFernetKeyFlags(cmd, &srcs)
	return cmd
}

func newFernetDecryptCmd(s *streams, d fernetDeps) *cobra.Command {
	var srcs []fernetKeySource
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "decrypt [--key-file FILE]... [--key KEY]... [--ttl 60s]",
		Short: "Decrypt a Fernet token from stdin",
		Long: `Decrypt reads a token from stdin (surrounding whitespace is ignored), tries
every key in turn and writes the plaintext bytes, unchanged, to stdout. With
--ttl it also refuses a token older than the TTL or stamped more than 60s in
the future, exactly as Python's Fernet.decrypt(token, ttl) does. On failure it
writes nothing to stdout and exits 1. See "rampart fernet --help" for where
keys come from.`,
		Args: exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			if ttl < 0 || ttl%time.Second != 0 {
				return usagef("fernet: --ttl must be a whole number of seconds, 0 or more (got %s)", ttl)
			}
			f, err := fernetFromSources(srcs, d)
			if err != nil {
				return err
			}
			in, err := io.ReadAll(s.in)
			if err != nil {
				return fmt.Errorf("fernet: reading stdin: %w", err)
			}
			token := bytes.TrimSpace(in)
			if len(token) == 0 {
				return errors.New("fernet: no token on stdin")
			}
			plain, err := f.Decrypt(token, ttl)
			if err != nil {
				return errFernetInvalidToken
			}
			_, err = s.out.Write(plain)
			return err
		},
	}
	addFernetKeyFlags(cmd, &srcs)
	cmd.Flags().DurationVar(&ttl, "ttl", 0, "refuse tokens older than this (whole seconds, e.g. 60s or 24h; 0 = no limit)")
	return cmd
}

// fernetKeySource is one --key or --key-file flag, in command-line order.
type fernetKeySource struct {
	file  bool
	value string
}

// fernetKeyFlag is a repeatable flag that appends to a list shared by --key
// and --key-file, so the rotation order is the order on the command line.
type fernetKeyFlag struct {
	file bool
	srcs *[]fernetKeySource
}

func (f fernetKeyFlag) String() string { return "" } // never show a key as a default

func (f fernetKeyFlag) Set(v string) error {
	*f.srcs = append(*f.srcs, fernetKeySource{file: f.file, value: v})
	return nil
}

func (f fernetKeyFlag) Type() string {
	if f.file {
		return "FILE"
	}
	return "KEY"
}

func addFernetKeyFlags(cmd *cobra.Command, srcs *[]fernetKeySource) {
	cmd.Flags().Var(fernetKeyFlag{file: true, srcs: srcs}, "key-file",
		"file with one key per line, # comments allowed (repeatable; preferred)")
	cmd.Flags().Var(fernetKeyFlag{srcs: srcs}, "key",
		"key (repeatable). Visible to other local users via ps: prefer --key-file or $"+fernetKeysEnv)
}

// fernetFromSources builds a Fernet from the flags, else the environment.
func fernetFromSources(srcs []fernetKeySource, d fernetDeps) (*fernet.Fernet, error) {
	keys, err := fernetKeys(srcs, d.lookupEnv)
	if err != nil {
		return nil, err
	}
	return fernet.New(keys, fernet.WithClock(d.now), fernet.WithRand(d.rand))
}

// fernetKeys loads keys in rotation order. Errors name where a bad key came
// from but never contain it.
func fernetKeys(srcs []fernetKeySource, lookupEnv func(string) (string, bool)) ([]*fernet.Key, error) {
	if len(srcs) == 0 {
		return fernetEnvKeys(lookupEnv)
	}
	var keys []*fernet.Key
	nKey := 0
	for _, src := range srcs {
		if src.file {
			ks, err := fernetFileKeys(src.value)
			if err != nil {
				return nil, err
			}
			keys = append(keys, ks...)
			continue
		}
		nKey++
		k, err := fernet.DecodeKey(src.value)
		if err != nil {
			return nil, usagef("fernet: --key #%d: invalid key: %s", nKey, fernetKeyReason(err))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// fernetEnvKeys reads RAMPART_FERNET_KEYS; empty entries are skipped.
func fernetEnvKeys(lookupEnv func(string) (string, bool)) ([]*fernet.Key, error) {
	v, _ := lookupEnv(fernetKeysEnv)
	var keys []*fernet.Key
	for i, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := fernet.DecodeKey(part)
		if err != nil {
			return nil, fmt.Errorf("fernet: %s entry %d: invalid key: %s", fernetKeysEnv, i+1, fernetKeyReason(err))
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, usagef("fernet: no key given: use --key-file FILE, set %s, or pass --key KEY", fernetKeysEnv)
	}
	return keys, nil
}

// fernetFileKeys reads a key file: one key per line, blank lines and lines
// starting with # ignored.
func fernetFileKeys(path string) ([]*fernet.Key, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fernet: --key-file %s: %w", path, fernetUnwrapPath(err))
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, fernetMaxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("fernet: --key-file %s: %w", path, fernetUnwrapPath(err))
	}
	if len(data) > fernetMaxKeyFile {
		return nil, fmt.Errorf("fernet: --key-file %s: larger than %d bytes; not a key file", path, fernetMaxKeyFile)
	}
	var keys []*fernet.Key
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), fernetMaxKeyFile)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		k, err := fernet.DecodeKey(text)
		if err != nil {
			return nil, fmt.Errorf("fernet: --key-file %s line %d: invalid key: %s", path, line, fernetKeyReason(err))
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("fernet: --key-file %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("fernet: --key-file %s: no keys in the file", path)
	}
	return keys, nil
}

// fernetKeyReason is why DecodeKey refused a key, without the key.
func fernetKeyReason(err error) string {
	var ke *fernet.KeyError
	if errors.As(err, &ke) {
		return ke.Reason
	}
	return "malformed"
}

// fernetUnwrapPath drops the path from an *fs.PathError, which the caller
// already prints.
func fernetUnwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
