// Package identity manages rampart's users, roles and API keys on top of the
// store: it validates names, hashes passwords, mints and checks API keys, and
// imports user tables from other stacks.
package identity

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/secrets"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/password"
)

// ErrInvalidCredentials is the one answer to a failed login, whatever the
// reason (unknown user, wrong password, disabled account), so callers cannot
// leak which it was.
var ErrInvalidCredentials = errors.New("invalid username or password")

// ErrInvalid marks input that breaks a naming or format rule.
var ErrInvalid = errors.New("invalid")

// Hasher is the password hashing the service needs.
type Hasher interface {
	Hash(pw string) (string, error)
	Verify(encoded, pw string) (ok, needsRehash bool, err error)
	DummyVerify(pw string)
}

var _ Hasher = (*password.Hasher)(nil)

// SecretSource yields the HMAC key for API keys, created on first use (the keyring).
type SecretSource = secrets.KeySource

// Service is the user, role and API key logic. It is safe for concurrent use.
type Service struct {
	st     *store.Store
	hasher Hasher
	log    *slog.Logger
	now    func() time.Time
	rand   io.Reader

	apiKeyKey *secrets.LazyKey // API key hashing key, loaded on first use
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithRand sets the randomness source (default crypto/rand).
func WithRand(r io.Reader) Option { return func(s *Service) { s.rand = r } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns a Service over st, hashing passwords with h and keying API key
// hashes with a secret from secrets.
func New(st *store.Store, h Hasher, src SecretSource, opts ...Option) *Service {
	s := &Service{st: st, hasher: h, now: time.Now, rand: rand.Reader,
		log: slog.New(slog.DiscardHandler), apiKeyKey: &secrets.LazyKey{Source: src, Name: apiKeyHMACName}}
	for _, o := range opts {
		o(s)
	}
	return s
}

var (
	usernameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$`)
	roleRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9._:-]{0,63}$`)
	permissionRE = regexp.MustCompile(`^[A-Za-z0-9*][A-Za-z0-9._:/*-]{0,127}$`)
)

// ValidateUsername checks the username rules: 1–64 characters, letters,
// digits and . _ @ + -, starting with a letter or digit.
func ValidateUsername(name string) error {
	if !usernameRE.MatchString(name) {
		return fmt.Errorf("%w username %q: use 1-64 letters, digits and . _ @ + -, starting with a letter or digit", ErrInvalid, name)
	}
	return nil
}

// ValidateRoleName checks the role naming rules.
func ValidateRoleName(name string) error {
	if !roleRE.MatchString(name) {
		return fmt.Errorf("%w role name %q: use 1-64 lower-case letters, digits and . _ : -, starting with a letter or digit", ErrInvalid, name)
	}
	return nil
}

// ValidatePermission checks a permission or scope string (e.g. data:read).
func ValidatePermission(p string) error {
	if !permissionRE.MatchString(p) {
		return fmt.Errorf("%w permission %q: use letters, digits and . _ : / * -, up to 128 characters", ErrInvalid, p)
	}
	return nil
}

// newID returns prefix + 16 lower-case base32 characters (80 random bits).
func (s *Service) newID(prefix string) (string, error) {
	b := make([]byte, 10)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("generating id: %w", err)
	}
	return prefix + strings.ToLower(base32.StdEncoding.EncodeToString(b)), nil
}
