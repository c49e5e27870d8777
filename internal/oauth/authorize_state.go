package oauth

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The authorization endpoint keeps no server-side state between its pages.
// What one step hands to the next travels in the page as a flow token: the
// authorization request's parameters and, after the password was checked,
// the user it was checked for — sealed with HMAC-SHA-256, short-lived, and
// bound to the browser's CSRF cookie, so it can be neither edited, replayed
// from another browser, nor kept for later.

// Flow stages: a login token comes with the sign-in page, a consent token
// (which names the user) with the consent page. Neither is accepted where the
// other is expected.
const (
	stageLogin   = "login"
	stageConsent = "consent"
)

// Lifetimes of the flow tokens: time to type a password, then time to decide.
const (
	loginFlowTTL   = 10 * time.Minute
	consentFlowTTL = 5 * time.Minute
)

const (
	flowTokenVersion = "v1"
	flowMACLabel     = "rampart oauth2 authorize flow " + flowTokenVersion + "."
	// maxFlowToken bounds what open will look at.
	maxFlowToken = 24 << 10
	// maxAuthorizeQuery bounds the authorization request that a flow token carries.
	maxAuthorizeQuery = 8 << 10
)

var (
	errFlowInvalid = errors.New("the flow token is malformed, forged or from another browser")
	errFlowExpired = errors.New("the flow token has expired")
)

// flowState is what a flow token carries.
type flowState struct {
	Stage string `json:"stg"`
	// Query is the authorization request, as parameters in canonical order.
	Query string `json:"q"`
	// ClientID and RedirectURI are what fosite validated Query to; both are
	// checked again whenever Query is parsed anew.
	ClientID    string `json:"cid"`
	RedirectURI string `json:"ruri"`
	// CSRF is the SHA-256 of the browser's CSRF cookie, base64url.
	CSRF string `json:"csrf"`
	// RequestedAt is when the authorization request arrived (Unix seconds).
	RequestedAt int64 `json:"rat"`
	// Expires is when this token stops being accepted (Unix seconds).
	Expires int64 `json:"exp"`
	// Subject and AuthTime are the user who signed in and when; consent stage only.
	Subject  string `json:"sub,omitempty"`
	AuthTime int64  `json:"at,omitempty"`
}

// flowSealer seals and opens flow tokens.
type flowSealer struct {
	key []byte
	now func() time.Time
}

// flowKey derives the flow token key from fosite's global secret (the
// keyring's "hmac/oauth-tokens"), so every node of a cluster shares it and
// a restart does not break a sign-in in progress. HKDF with its own label
// keeps it independent of the token signatures made with the same secret.
func (s *Server) flowKey(ctx context.Context) ([]byte, error) {
	secret, err := s.core.HMACSHAStrategyUnPrefixed.Enigma.Config.GetGlobalSecret(ctx)
	if err != nil {
		return nil, err
	}
	if len(secret) < 32 {
		return nil, fmt.Errorf("the token hashing key has %d bytes, want at least 32", len(secret))
	}
	return hkdf.Key(sha256.New, secret, nil, "rampart oauth2 authorize flow state", 32)
}

func (f *flowSealer) mac(payload string) []byte {
	m := hmac.New(sha256.New, f.key)
	m.Write([]byte(flowMACLabel))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// seal returns the flow token for st.
func (f *flowSealer) seal(st *flowState) (string, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return flowTokenVersion + "." + payload + "." + base64.RawURLEncoding.EncodeToString(f.mac(payload)), nil
}

// open verifies a flow token of the given stage, bound to csrfCookie, and
// returns what it carries. It returns errFlowInvalid for anything forged,
// malformed, of the wrong stage or from another browser, and errFlowExpired
// for a genuine token past its time.
func (f *flowSealer) open(tok, stage, csrfCookie string) (*flowState, error) {
	if len(tok) > maxFlowToken {
		return nil, errFlowInvalid
	}
	version, rest, ok := strings.Cut(tok, ".")
	if !ok || version != flowTokenVersion {
		return nil, errFlowInvalid
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, errFlowInvalid
	}
	mac, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(mac, f.mac(payload)) {
		return nil, errFlowInvalid
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return nil, errFlowInvalid
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var st flowState
	if err := dec.Decode(&st); err != nil || dec.Decode(new(json.RawMessage)) != io.EOF {
		return nil, errFlowInvalid
	}
	if st.Stage != stage || st.Query == "" || st.ClientID == "" || st.RedirectURI == "" {
		return nil, errFlowInvalid
	}
	if stage == stageConsent && (st.Subject == "" || st.AuthTime == 0) {
		return nil, errFlowInvalid
	}
	if subtle.ConstantTimeCompare([]byte(st.CSRF), []byte(csrfBinding(csrfCookie))) != 1 {
		return nil, errFlowInvalid
	}
	if !f.now().Before(time.Unix(st.Expires, 0)) {
		return nil, errFlowExpired
	}
	return &st, nil
}

// csrfBinding is what a flow token stores of the CSRF cookie.
func csrfBinding(cookie string) string {
	h := sha256.Sum256([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// csrfCookie is the double-submit CSRF cookie of the sign-in and consent
// forms: HttpOnly, SameSite=Lax, and under https named with the __Host-
// prefix, which makes the browser require Secure and Path=/ and refuse a
// Domain attribute, so no sibling subdomain can plant one.
type csrfCookie struct {
	name   string
	path   string
	secure bool
}

// csrfTokenLen is the length of a CSRF token: 32 random bytes, base64url.
const csrfTokenLen = 43

func newCSRFCookie(issuer string) csrfCookie {
	u, err := url.Parse(issuer)
	if err == nil && u.Scheme == "https" {
		return csrfCookie{name: "__Host-rampart-csrf", path: "/", secure: true}
	}
	p := "/oauth2/"
	if err == nil && strings.Trim(u.Path, "/") != "" {
		p = "/" + strings.Trim(u.Path, "/") + p
	}
	return csrfCookie{name: "rampart-csrf", path: p}
}

// read returns the browser's CSRF token, or "" when it has none (or a
// malformed one).
func (c csrfCookie) read(r *http.Request) string {
	ck, err := r.Cookie(c.name)
	if err != nil || !validCSRFToken(ck.Value) {
		return ""
	}
	return ck.Value
}

// ensure returns the browser's CSRF token, first giving it one if needed.
func (c csrfCookie) ensure(w http.ResponseWriter, r *http.Request, random io.Reader) (string, error) {
	if v := c.read(r); v != "" {
		return v, nil
	}
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("generating a CSRF token: %w", err)
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: c.name, Value: v, Path: c.path, Secure: c.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return v, nil
}

// check reports whether the form's csrf_token matches the cookie, in
// constant time, and returns the cookie's token.
func (c csrfCookie) check(r *http.Request) (string, bool) {
	cookie := c.read(r)
	sent := r.PostForm.Get("csrf_token")
	if cookie == "" || len(sent) != csrfTokenLen {
		return "", false
	}
	return cookie, subtle.ConstantTimeCompare([]byte(cookie), []byte(sent)) == 1
}

func validCSRFToken(v string) bool {
	if len(v) != csrfTokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(v)
	return err == nil
}
