package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/ory/fosite"

	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/secrets"
	"github.com/rampart-sec/rampart/internal/store"
)

// Grant types a client may be registered for. The implicit and password
// grants are deliberately absent (OAuth 2.1).
const (
	GrantClientCredentials = "client_credentials"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// ErrInvalidClient marks a client registration that breaks a rule.
var ErrInvalidClient = errors.New("invalid client registration")

const clientSecretHMACName = "hmac/client-secrets"

// SecretSource yields keyed-hash keys, created on first use (the keyring).
type SecretSource = secrets.KeySource

// ClientSpec is what a new client registration asks for.
type ClientSpec struct {
	Name         string
	GrantTypes   []string
	Scopes       []string
	RedirectURIs []string
	Audience     []string
	Public       bool
}

// Clients registers and authenticates OAuth clients. Client secrets carry 256
// random bits, so they are stored as HMAC-SHA-256 under a keyring key: checking
// one costs microseconds, unlike a password hash.
type Clients struct {
	st   *store.Store
	key  *secrets.LazyKey
	rand io.Reader
}

// NewClients returns the client registry.
func NewClients(st *store.Store, src SecretSource, random io.Reader) *Clients {
	return &Clients{st: st, key: &secrets.LazyKey{Source: src, Name: clientSecretHMACName}, rand: random}
}

// Create registers a client and returns it with its secret (empty for public
// clients), which is shown once and stored only as a keyed hash.
func (c *Clients) Create(ctx context.Context, spec ClientSpec) (*store.Client, string, error) {
	if err := validateSpec(&spec); err != nil {
		return nil, "", err
	}
	idb := make([]byte, 10)
	if _, err := io.ReadFull(c.rand, idb); err != nil {
		return nil, "", err
	}
	cl := &store.Client{
		ID:            "rc_" + strings.ToLower(base32.StdEncoding.EncodeToString(idb)),
		Name:          spec.Name,
		Public:        spec.Public,
		GrantTypes:    spec.GrantTypes,
		Scopes:        spec.Scopes,
		RedirectURIs:  spec.RedirectURIs,
		Audience:      spec.Audience,
		ResponseTypes: []string{},
	}
	if slices.Contains(spec.GrantTypes, GrantAuthorizationCode) {
		cl.ResponseTypes = []string{"code"}
	}
	var secret string
	if spec.Public {
		cl.TokenAuthMethod = "none"
	} else {
		var err error
		if secret, cl.SecretHash, err = c.newSecret(ctx); err != nil {
			return nil, "", err
		}
		cl.TokenAuthMethod = "client_secret_basic"
	}
	if err := c.st.CreateClient(ctx, cl); err != nil {
		return nil, "", err
	}
	return cl, secret, nil
}

// RotateSecret gives a confidential client a new secret; the old one stops
// working at once. The new secret is returned once.
func (c *Clients) RotateSecret(ctx context.Context, id string) (string, error) {
	secret, hash, err := c.newSecret(ctx)
	if err != nil {
		return "", err
	}
	if err := c.st.SetClientSecret(ctx, id, hash); err != nil {
		return "", err
	}
	return secret, nil
}

func (c *Clients) newSecret(ctx context.Context) (string, []byte, error) {
	raw := make([]byte, 32)
	if _, err := io.ReadFull(c.rand, raw); err != nil {
		return "", nil, err
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	h, err := c.Hash(ctx, []byte(secret))
	return secret, h, err
}

// Hash implements fosite.Hasher: HMAC-SHA-256 under the keyring's client key.
func (c *Clients) Hash(ctx context.Context, data []byte) ([]byte, error) {
	key, err := c.key.Get(ctx)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil), nil
}

// Compare implements fosite.Hasher in constant time.
func (c *Clients) Compare(ctx context.Context, hash, data []byte) error {
	h, err := c.Hash(ctx, data)
	if err != nil {
		return err
	}
	if len(hash) == 0 || !hmac.Equal(h, hash) {
		return fosite.ErrInvalidClient
	}
	return nil
}

var _ fosite.Hasher = (*Clients)(nil)

func validateSpec(s *ClientSpec) error {
	var problems []string
	if strings.TrimSpace(s.Name) == "" {
		problems = append(problems, "--name is required")
	}
	if len(s.GrantTypes) == 0 {
		problems = append(problems, "at least one --grant is required (client_credentials, authorization_code, refresh_token)")
	}
	for _, g := range s.GrantTypes {
		switch g {
		case GrantClientCredentials:
			if s.Public {
				problems = append(problems, "a public client cannot use client_credentials: it has no secret to prove who it is")
			}
		case GrantAuthorizationCode, GrantRefreshToken:
		case "implicit", "password":
			problems = append(problems, fmt.Sprintf("grant %q is not allowed: OAuth 2.1 removed it (use authorization_code with PKCE)", g))
		default:
			problems = append(problems, fmt.Sprintf("unknown grant %q (want client_credentials, authorization_code or refresh_token)", g))
		}
	}
	code := slices.Contains(s.GrantTypes, GrantAuthorizationCode)
	if code && len(s.RedirectURIs) == 0 {
		problems = append(problems, "authorization_code needs at least one --redirect-uri")
	}
	if !code && len(s.RedirectURIs) > 0 {
		problems = append(problems, "--redirect-uri is only for clients with the authorization_code grant")
	}
	if slices.Contains(s.GrantTypes, GrantRefreshToken) && !code {
		problems = append(problems, "refresh_token only comes with authorization_code (client_credentials clients simply ask again)")
	}
	for _, u := range s.RedirectURIs {
		if err := checkRedirectURI(u); err != nil {
			problems = append(problems, err.Error())
		}
	}
	for _, sc := range s.Scopes {
		if err := identity.ValidatePermission(sc); err != nil {
			problems = append(problems, fmt.Sprintf("scope %q: use letters, digits and . _ : / * -", sc))
		}
	}
	for _, a := range s.Audience {
		if u, err := url.Parse(a); err != nil || u.Scheme == "" || u.Fragment != "" {
			problems = append(problems, fmt.Sprintf("audience %q must be an absolute URI without fragment (RFC 8707)", a))
		}
	}
	if code && !slices.Contains(s.Scopes, "openid") {
		s.Scopes = append(s.Scopes, "openid")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidClient, strings.Join(problems, "; "))
	}
	s.GrantTypes = dedupe(s.GrantTypes)
	s.Scopes = dedupe(s.Scopes)
	return nil
}

// checkRedirectURI enforces RFC 9700 §2.1 and RFC 8252: absolute, no
// fragment, no wildcards; https, or http only to a loopback host, or a
// private-use scheme for native apps.
func checkRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("redirect URI %q must be an absolute URI", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("redirect URI %q must not have a fragment", raw)
	}
	if strings.Contains(raw, "*") {
		return fmt.Errorf("redirect URI %q: wildcards are not allowed; register each URI exactly", raw)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return fmt.Errorf("redirect URI %q has no host", raw)
		}
	case "http":
		h := u.Hostname()
		if h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return fmt.Errorf("redirect URI %q: plain http is allowed only to a loopback host (RFC 8252); use https", raw)
		}
	case "javascript", "data", "file", "vbscript":
		return fmt.Errorf("redirect URI %q: scheme %q is not allowed", raw, u.Scheme)
	default:
		if !strings.Contains(u.Scheme, ".") {
			return fmt.Errorf("redirect URI %q: a native app's private-use scheme must be a reversed domain name like com.example.app (RFC 8252 §7.1)", raw)
		}
	}
	return nil
}

func dedupe(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// fositeClient adapts a stored client to fosite. It is deliberately a plain
// fosite.DefaultClient, not an OpenIDConnectClient: fosite then accepts a
// confidential client's secret by HTTP Basic (client_secret_basic) or in the
// form (client_secret_post), as RFC 6749 §2.3.1 allows, and a public client
// authenticates with none.
func fositeClient(c *store.Client) *fosite.DefaultClient {
	return &fosite.DefaultClient{
		ID:            c.ID,
		Secret:        c.SecretHash,
		RedirectURIs:  c.RedirectURIs,
		GrantTypes:    c.GrantTypes,
		ResponseTypes: c.ResponseTypes,
		Scopes:        c.Scopes,
		Audience:      c.Audience,
		Public:        c.Public,
	}
}
