package authn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Introspection authenticates opaque bearer tokens by asking the issuing
// authorization server (RFC 7662). Active answers are cached for CacheTTL
// (never past the token's exp); inactive answers and failures are not cached,
// and a failing endpoint refuses the request (fail closed).
type Introspection struct {
	// Endpoint is the introspection URL. Required.
	Endpoint string
	// ClientID and ClientSecret authenticate rampart to the endpoint (HTTP Basic).
	ClientID     string
	ClientSecret string
	// Client sends the requests. Nil means a client with a 5 s timeout.
	Client *http.Client
	// CacheTTL keeps active answers this long. Zero means 30 s; negative disables.
	CacheTTL time.Duration
	// Realm names the protection space in the challenge. Default "rampart".
	Realm string
	// Now is the clock. Nil means time.Now.
	Now func() time.Time

	once  sync.Once
	cache *verifiedCache[*Identity]
}

var _ Authenticator = (*Introspection)(nil)

type introspectionResponse struct {
	Active   bool            `json:"active"`
	Scope    string          `json:"scope"`
	ClientID string          `json:"client_id"`
	Username string          `json:"username"`
	Sub      string          `json:"sub"`
	Exp      int64           `json:"exp"`
	Aud      json.RawMessage `json:"aud"`
}

// Authenticate implements Authenticator.
func (in *Introspection) Authenticate(r *http.Request) (*Identity, error) {
	tok, ok := bearer(r)
	if !ok || tok == "" {
		return nil, ErrNoCredential
	}
	in.once.Do(func() { in.cache = newVerifiedCache[*Identity](jwtCacheSize) })
	now := in.now()
	if id, ok := in.cache.get(tok, now, 0); ok {
		return id.clone(), nil
	}
	ir, err := in.introspect(r.Context(), tok)
	if err != nil {
		return nil, fmt.Errorf("%w: introspection: %v", ErrInvalidCredential, err)
	}
	if !ir.Active {
		return nil, fmt.Errorf("%w: introspection: token is not active", ErrInvalidCredential)
	}
	id := &Identity{Subject: ir.Sub, Username: ir.Username, Scopes: strings.Fields(ir.Scope), Method: MethodIntrospection, ClientID: ir.ClientID}
	if id.Subject == "" {
		id.Subject = ir.ClientID
	}
	if ttl := in.ttl(); ttl > 0 {
		exp := now.Add(ttl)
		if ir.Exp > 0 && time.Unix(ir.Exp, 0).Before(exp) {
			exp = time.Unix(ir.Exp, 0)
		}
		in.cache.put(tok, id, exp, 0)
	}
	return id.clone(), nil
}

func (in *Introspection) introspect(ctx context.Context, tok string) (*introspectionResponse, error) {
	client := in.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.Endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(in.ClientID), url.QueryEscape(in.ClientSecret))
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("endpoint answered %d", resp.StatusCode)
	}
	var ir introspectionResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&ir); err != nil {
		return nil, errors.New("endpoint answered with invalid JSON")
	}
	return &ir, nil
}

// Challenge implements Authenticator.
func (in *Introspection) Challenge() string { return `Bearer realm="` + realm(in.Realm) + `"` }

func (in *Introspection) ttl() time.Duration {
	if in.CacheTTL == 0 {
		return 30 * time.Second
	}
	return in.CacheTTL
}

func (in *Introspection) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}
