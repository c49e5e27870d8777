package oauth

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/rampart-sec/rampart/token"
)

// handleJWKS is GET /.well-known/jwks.json: the published public keys.
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", token.JWKSCacheControl(token.DefaultJWKSMaxAge))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(s.keys.Current().JWKS())
}

// metadata is the OpenID Connect Discovery / RFC 8414 document.
func (s *Server) metadata() map[string]any {
	iss := trimSlash(s.cfg.Issuer)
	var algs []string
	for _, k := range s.keys.Current().Keys() {
		if k.State != token.StateRetired && !slices.Contains(algs, string(k.Alg)) {
			algs = append(algs, string(k.Alg))
		}
	}
	slices.Sort(algs)
	auth := []string{"client_secret_basic", "client_secret_post"}
	return map[string]any{
		"issuer":                                        iss,
		"authorization_endpoint":                        iss + "/oauth2/authorize",
		"token_endpoint":                                iss + "/oauth2/token",
		"introspection_endpoint":                        iss + "/oauth2/introspect",
		"revocation_endpoint":                           iss + "/oauth2/revoke",
		"userinfo_endpoint":                             iss + "/userinfo",
		"jwks_uri":                                      iss + "/.well-known/jwks.json",
		"response_types_supported":                      []string{"code"},
		"response_modes_supported":                      []string{"query"},
		"grant_types_supported":                         []string{"authorization_code", "client_credentials", "refresh_token"},
		"subject_types_supported":                       []string{"public"},
		"id_token_signing_alg_values_supported":         algs,
		"token_endpoint_auth_methods_supported":         append(slices.Clone(auth), "none"),
		"introspection_endpoint_auth_methods_supported": auth,
		"revocation_endpoint_auth_methods_supported":    append(slices.Clone(auth), "none"),
		"code_challenge_methods_supported":              []string{"S256"},
		"scopes_supported":                              []string{"openid", "profile"},
		"claims_supported":                              []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "preferred_username", "roles"},
		"request_parameter_supported":                   false,
		"request_uri_parameter_supported":               false,
		"require_request_uri_registration":              true,
		"claims_parameter_supported":                    false,
	}
}

// handleDiscovery serves /.well-known/openid-configuration and
// /.well-known/oauth-authorization-server.
func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_ = json.NewEncoder(w).Encode(s.metadata())
}

// handleUserinfo is the OpenID Connect UserInfo endpoint: a bearer access
// token with the openid scope, issued to a user, yields the user's claims.
func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	authz := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(authz, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rampart"`)
		writeJSONError(w, http.StatusUnauthorized, "invalid_request", "A bearer access token is required.")
		return
	}
	c, err := s.access.verify(r.Context(), strings.TrimSpace(tok))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rampart", error="invalid_token"`)
		writeJSONError(w, http.StatusUnauthorized, "invalid_token", "The access token is invalid, expired or revoked.")
		return
	}
	if !slices.Contains(c.Scopes, "openid") || c.Subject == c.ClientID {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rampart", error="insufficient_scope", scope="openid"`)
		writeJSONError(w, http.StatusForbidden, "insufficient_scope", "The access token lacks the openid scope of a user.")
		return
	}
	out := map[string]any{"sub": c.Subject}
	if u, _ := c.Extra["preferred_username"].(string); u != "" {
		out["preferred_username"] = u
	}
	if len(c.Roles) > 0 {
		out["roles"] = c.Roles
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

func writeJSONError(w http.ResponseWriter, code int, errCode, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": errCode, "error_description": desc})
}
