package oauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ory/fosite"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/problem"
)

// FirstPartyClientID is the built-in public client that owns tokens from
// POST /auth/login; its refresh tokens are redeemed at /oauth2/token with
// grant_type=refresh_token&client_id=rampart.
const FirstPartyClientID = "rampart"

// firstPartyClient is the built-in client. Its scopes are every permission
// any role carries, so a refreshed token keeps what the login granted.
func (s *Storage) firstPartyClient(ctx context.Context, defaultAudience []string) (fosite.Client, error) {
	roles, err := s.st.Roles(ctx)
	if err != nil {
		return nil, err
	}
	var scopes []string
	for _, r := range roles {
		for _, p := range r.Permissions {
			if p != "*" && !slices.Contains(scopes, p) {
				scopes = append(scopes, p)
			}
		}
	}
	return &fosite.DefaultClient{ID: FirstPartyClientID, Public: true, GrantTypes: []string{"refresh_token"},
		Scopes: scopes, Audience: defaultAudience}, nil
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Scope    string `json:"scope"`
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// handleLogin is POST /auth/login: the tutorial's /login done right. It takes
// HTTP Basic credentials or a JSON body and answers with an access token and
// a refresh token. Every failure — unknown user, wrong password, disabled or
// locked account — gets the same 401 answer after the same password work.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	req, err := readLogin(w, r)
	if err != nil {
		problem.Write(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	u, locked, err := s.CheckPassword(ctx, req.Username, req.Password)
	if err != nil {
		s.log.ErrorContext(ctx, "login", "error", err)
		problem.Write(w, http.StatusServiceUnavailable, "Service Unavailable", "Try again later.")
		return
	}
	if u == nil {
		if locked > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(locked.Seconds()))))
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="rampart", charset="UTF-8"`)
		problem.Write(w, http.StatusUnauthorized, "Unauthorized", "Invalid username or password.")
		return
	}
	user := &identityUser{id: u.ID, name: u.Username, roles: u.Roles}
	resp, err := s.issueFirstParty(ctx, user, strings.Fields(req.Scope))
	if err != nil {
		var rfc *fosite.RFC6749Error
		if errors.As(err, &rfc) && rfc.CodeField == http.StatusBadRequest {
			problem.Write(w, http.StatusBadRequest, "Bad Request", rfc.GetDescription())
			return
		}
		s.log.ErrorContext(ctx, "issuing login tokens", "error", err)
		problem.Write(w, http.StatusInternalServerError, "Internal Server Error", "Could not issue tokens.")
		return
	}
	if err := s.record(ctx, audit.Event{Type: audit.TokenIssued, Actor: u.Username, Subject: u.Username, Outcome: audit.Success,
		Details: map[string]string{"client_id": FirstPartyClientID, "grant_type": "password", "scope": resp.Scope, "user_id": u.ID}}); err != nil {
		s.log.ErrorContext(ctx, "recording issued login tokens; withholding them", "error", err)
		problem.Write(w, http.StatusServiceUnavailable, "Service Unavailable", "Try again later.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(resp)
	s.observer.tokenIssued(ctx, "login")
}

type identityUser struct {
	id, name string
	roles    []string
}

// readLogin takes credentials from HTTP Basic or a JSON body.
func readLogin(w http.ResponseWriter, r *http.Request) (loginRequest, error) {
	var req loginRequest
	if u, p, ok := r.BasicAuth(); ok {
		req.Username, req.Password = u, p
		req.Scope = r.URL.Query().Get("scope")
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		ct := strings.ToLower(r.Header.Get("Content-Type"))
		if !strings.HasPrefix(ct, "application/json") {
			return req, errors.New("send credentials with HTTP Basic or as a JSON body {\"username\": …, \"password\": …}")
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return req, errors.New("the body is not a valid login request: {\"username\": …, \"password\": …[, \"scope\": …]}")
		}
	}
	if req.Username == "" || req.Password == "" {
		return req, errors.New("username and password are required")
	}
	if len(req.Username) > 256 || len(req.Password) > identity.MaxPasswordLength {
		return req, errors.New("username or password too long")
	}
	return req, nil
}

// issueFirstParty mints an access token and a refresh token for a user who
// logged in, as a grant of the built-in client. scopes narrows the token to a
// subset of the user's permissions (default: all of them).
func (s *Server) issueFirstParty(ctx context.Context, u *identityUser, scopes []string) (*tokenResponse, error) {
	perms, err := s.permissions(ctx, u.roles)
	if err != nil {
		return nil, err
	}
	if len(scopes) == 0 {
		scopes = perms
	}
	for _, sc := range scopes {
		if !slices.Contains(perms, sc) {
			return nil, fosite.ErrInvalidScope.WithHintf("The user's roles do not grant scope %q.", sc)
		}
	}
	aud := s.access.defaultAudience
	client, err := s.storage.firstPartyClient(ctx, aud)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	sess := newSession(u.id, u.name, u.roles)
	sess.SetExpiresAt(fosite.AccessToken, now.Add(s.cfg.AccessTokenTTL))
	sess.SetExpiresAt(fosite.RefreshToken, now.Add(s.cfg.RefreshTokenTTL))
	req := fosite.NewAccessRequest(sess)
	idb := make([]byte, 16)
	if _, err := rand.Read(idb); err != nil {
		return nil, err
	}
	req.ID = hex.EncodeToString(idb)
	req.RequestedAt = now
	req.Client = client
	req.GrantTypes = fosite.Arguments{"password"} // for the record only; not a grant clients can use
	for _, sc := range scopes {
		req.GrantScope(sc)
	}
	for _, a := range aud {
		req.GrantAudience(a)
	}
	access, _, err := s.core.GenerateAccessToken(ctx, req)
	if err != nil {
		return nil, err
	}
	refresh, sig, err := s.core.GenerateRefreshToken(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := s.storage.CreateRefreshTokenSession(ctx, sig, "", req); err != nil {
		return nil, fmt.Errorf("storing the refresh token: %w", err)
	}
	return &tokenResponse{AccessToken: access, TokenType: "bearer", ExpiresIn: int64(s.cfg.AccessTokenTTL.Seconds()),
		RefreshToken: refresh, Scope: strings.Join(scopes, " ")}, nil
}

// permissions is the union of the roles' permissions, "*" excluded.
func (s *Server) permissions(ctx context.Context, roles []string) ([]string, error) {
	var out []string
	for _, name := range roles {
		r, err := s.st.Role(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, p := range r.Permissions {
			if p != "*" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}
