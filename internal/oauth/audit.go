package oauth

import (
	"context"
	"net/http"
	"strings"

	"github.com/ory/fosite"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/store"
)

// The audit trail of the authorization server. Events are recorded
// synchronously, before the response that reports the action is written.
// When recording fails the server fails closed: the login or token request
// is answered 503 (temporarily_unavailable at the token endpoint) and no
// credential or token is handed out, so nothing happens that the trail does
// not show. (A refresh token rotated just before such a failure is spent; the
// client signs in again.)

// record stores e; the audit log adds the request's client IP and id.
func (s *Server) record(ctx context.Context, e audit.Event) error {
	return s.audit.Record(ctx, e)
}

// recordToken records tokens issued or refreshed at the token endpoint.
func (s *Server) recordToken(ctx context.Context, r *http.Request, ar fosite.AccessRequester) error {
	typ := audit.TokenIssued
	if ar.GetGrantTypes().ExactOne("refresh_token") {
		typ = audit.TokenRefreshed
	}
	client := ar.GetClient().GetID()
	e := audit.Event{Type: typ, Actor: client, Outcome: audit.Success,
		Details: map[string]string{"client_id": client, "grant_type": strings.Join(ar.GetGrantTypes(), " "), "grant_id": ar.GetID()}}
	if sc := ar.GetGrantedScopes(); len(sc) > 0 {
		e.Details["scope"] = strings.Join(sc, " ")
	}
	if sess, ok := ar.GetSession().(*Session); ok && sess.DefaultSession != nil {
		e.Subject = sess.Username
		if e.Subject == "" {
			e.Subject = sess.GetSubject()
		}
		if sess.GetSubject() != "" {
			e.Details["user_id"] = sess.GetSubject()
		}
	}
	if e.Subject == "" {
		e.Subject = client
	}
	return s.record(ctx, e)
}

// recordRefreshReuse records a spent refresh token presented again (its
// grant family has been revoked), naming the grant's subject and client.
func (s *Server) recordRefreshReuse(ctx context.Context, r *http.Request) error {
	e := audit.Event{Type: audit.TokenRefreshReuse, Outcome: audit.Failure,
		Details: map[string]string{}}
	sig := s.core.RefreshTokenSignature(ctx, r.PostForm.Get("refresh_token"))
	if g, err := s.st.Grant(ctx, store.GrantRefresh, sig); err == nil {
		e.Subject, e.Actor = g.Subject, g.ClientID
		e.Details["client_id"], e.Details["grant_id"] = g.ClientID, g.RequestID
	}
	return s.record(ctx, e)
}

// recordRevocation records a token revoked at the revocation endpoint by
// the client that authenticated there.
func (s *Server) recordRevocation(ctx context.Context, r *http.Request) error {
	client, _, ok := r.BasicAuth()
	if !ok {
		client = r.PostForm.Get("client_id")
	}
	e := audit.Event{Type: audit.TokenRevoked, Actor: client, Subject: client, Outcome: audit.Success,
		Details: map[string]string{"client_id": client}}
	if h := r.PostForm.Get("token_type_hint"); h == "access_token" || h == "refresh_token" {
		e.Details["token_type_hint"] = h
	}
	return s.record(ctx, e)
}
