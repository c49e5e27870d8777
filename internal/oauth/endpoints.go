package oauth

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/ory/fosite"
)

const maxFormBytes = 64 << 10

// repeatable form parameters: RFC 8707 resource and its common alias audience.
var repeatable = []string{"resource", "audience"}

// readForm parses a POST form body, bounded in size, and refuses parameters
// sent twice (RFC 6749 §3.2: "MUST NOT be included more than once").
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		return fosite.ErrInvalidRequest.WithHint("The request body must be application/x-www-form-urlencoded.")
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fosite.ErrInvalidRequest.WithHint("The request body is too large.")
		}
		return fosite.ErrInvalidRequest.WithHint("The request body is not a valid form.")
	}
	for k, v := range r.Form {
		if len(v) > 1 && !slices.Contains(repeatable, k) {
			return fosite.ErrInvalidRequest.WithHintf("The parameter %q was sent more than once.", k)
		}
	}
	// RFC 8707: resource names the audience; fosite reads "audience".
	if res := r.Form["resource"]; len(res) > 0 {
		aud := append(r.Form["audience"], res...)
		r.Form.Set("audience", strings.Join(aud, " "))
		r.PostForm.Set("audience", strings.Join(aud, " "))
	}
	return nil
}

// handleToken is POST /oauth2/token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess := newSession("", "", nil)
	if err := readForm(w, r); err != nil {
		s.writeAccessError(w, r, fosite.NewAccessRequest(sess), err)
		return
	}
	if err := checkTokenRequest(r); err != nil {
		s.writeAccessError(w, r, fosite.NewAccessRequest(sess), err)
		return
	}
	ar, err := s.provider.NewAccessRequest(ctx, r, sess)
	if err != nil {
		s.writeAccessError(w, r, ar, s.auditReuse(r, err))
		return
	}
	if ar.GetGrantTypes().ExactOne("client_credentials") {
		for _, sc := range ar.GetRequestedScopes() {
			ar.GrantScope(sc)
		}
		for _, a := range ar.GetRequestedAudience() {
			ar.GrantAudience(a)
		}
	}
	resp, err := s.provider.NewAccessResponse(ctx, ar)
	if err != nil {
		s.writeAccessError(w, r, ar, s.auditReuse(r, err))
		return
	}
	if err := s.recordToken(ctx, r, ar); err != nil {
		s.log.ErrorContext(ctx, "recording issued tokens; withholding them", "error", err)
		s.writeAccessError(w, r, ar, fosite.ErrTemporarilyUnavailable.WithHint("Try again later."))
		return
	}
	s.provider.WriteAccessResponse(ctx, w, ar, resp)
	s.observer.tokenIssued(ctx, r.PostForm.Get("grant_type"))
}

// auditReuse records a refresh-token reuse that err reports (fosite has
// revoked the grant family) and returns the error to answer with: err, or
// temporarily_unavailable when the event could not be recorded.
func (s *Server) auditReuse(r *http.Request, err error) error {
	if r.PostForm.Get("grant_type") != "refresh_token" || !errors.Is(err, fosite.ErrInactiveToken) {
		return err
	}
	if rerr := s.recordRefreshReuse(r.Context(), r); rerr != nil {
		s.log.ErrorContext(r.Context(), "recording a refresh token reuse", "error", rerr)
		return fosite.ErrTemporarilyUnavailable.WithHint("Try again later.")
	}
	return err
}

// supportedGrants are the grant types of OAuth 2.1 that rampart serves.
var supportedGrants = []string{"authorization_code", "client_credentials", "refresh_token"}

// checkTokenRequest gives the RFC 6749 §5.2 answers where fosite's differ:
// an unknown or removed grant type is unsupported_grant_type, and a request
// without any client authentication is invalid_client (401), not invalid_request.
func checkTokenRequest(r *http.Request) error {
	gt := r.PostForm.Get("grant_type")
	if gt == "" {
		return fosite.ErrInvalidRequest.WithHint("The grant_type parameter is missing.")
	}
	if !slices.Contains(supportedGrants, gt) {
		return fosite.ErrUnsupportedGrantType.WithHintf("The grant type %q is not supported; use authorization_code, client_credentials or refresh_token.", gt)
	}
	if r.Header.Get("Authorization") == "" && r.PostForm.Get("client_id") == "" {
		return fosite.ErrInvalidClient.WithHint("The client did not authenticate: use HTTP Basic or client_id and client_secret in the form.")
	}
	return nil
}

// writeAccessError writes an RFC 6749 §5.2 error object. invalid_client on
// 401 carries a WWW-Authenticate challenge for the scheme the client tried.
func (s *Server) writeAccessError(w http.ResponseWriter, r *http.Request, ar fosite.AccessRequester, err error) {
	rfc := fosite.ErrorToRFC6749Error(err)
	if rfc.CodeField == http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "token endpoint failure", "error", rfc.Cause(), "debug", rfc.DebugField)
	}
	if rfc.ErrorField == fosite.ErrInvalidClient.ErrorField {
		w.Header().Set("WWW-Authenticate", `Basic realm="rampart", charset="UTF-8"`)
	}
	s.provider.WriteAccessError(r.Context(), w, ar, err)
}

// handleIntrospect is POST /oauth2/introspect (RFC 7662): the caller must
// authenticate as a client.
func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := readForm(w, r); err != nil {
		s.provider.WriteIntrospectionError(ctx, w, err)
		return
	}
	ir, err := s.provider.NewIntrospectionRequest(ctx, r, newSession("", "", nil))
	if err != nil {
		if errors.Is(err, fosite.ErrRequestUnauthorized) || errors.Is(err, fosite.ErrInvalidClient) {
			w.Header().Set("WWW-Authenticate", `Basic realm="rampart", charset="UTF-8"`)
		}
		s.provider.WriteIntrospectionError(ctx, w, err)
		return
	}
	s.provider.WriteIntrospectionResponse(ctx, w, ir)
}

// handleRevoke is POST /oauth2/revoke (RFC 7009).
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := readForm(w, r); err != nil {
		s.provider.WriteRevocationResponse(ctx, w, err)
		return
	}
	err := s.provider.NewRevocationRequest(ctx, r)
	if errors.Is(err, fosite.ErrInvalidClient) {
		w.Header().Set("WWW-Authenticate", `Basic realm="rampart", charset="UTF-8"`)
	}
	if err == nil {
		if rerr := s.recordRevocation(ctx, r); rerr != nil {
			s.log.ErrorContext(ctx, "recording a token revocation", "error", rerr)
			err = fosite.ErrTemporarilyUnavailable.WithHint("The token was revoked; try again later for confirmation.")
		}
	}
	s.provider.WriteRevocationResponse(ctx, w, err)
}
