package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/rampart-sec/rampart/internal/store"
)

// scopeDescriptions say on the consent page what a scope lets the client do.
var scopeDescriptions = map[string]string{
	"openid":  "Know who you are (your account ID)",
	"profile": "See your username",
}

func describeScope(sc string) string {
	if d, ok := scopeDescriptions[sc]; ok {
		return d
	}
	return "Act with your permission"
}

// showConsent renders the consent page for the flow st of user.
func (a *authorizer) showConsent(ctx context.Context, w http.ResponseWriter, ar fosite.AuthorizeRequester, st *flowState, csrf string, user *store.User) {
	granted, err := a.s.grantableScopes(ctx, ar.GetRequestedScopes(), user.Roles)
	if err != nil {
		a.pages.serverError(ctx, w, "reading the user's permissions", err)
		return
	}
	tok, err := a.flows.seal(st)
	if err != nil {
		a.pages.serverError(ctx, w, "sealing the authorization flow", err)
		return
	}
	var lines []scopeLine
	for _, sc := range ar.GetRequestedScopes() {
		lines = append(lines, scopeLine{Name: sc, Description: describeScope(sc), Granted: slices.Contains(granted, sc)})
	}
	setPageHeaders(w.Header(), formTarget(ar.GetRedirectURI()))
	a.pages.render(ctx, w, a.pages.consent, http.StatusOK, consentPage{
		ClientName: a.clientName(ctx, ar.GetClient().GetID()), ReturnTo: returnTo(ar.GetRedirectURI()),
		Username: user.Username, Scopes: lines, Offline: ar.GetClient().GetGrantTypes().Has(GrantRefreshToken),
		Audience: ar.GetRequestedAudience(), Flow: tok, CSRF: csrf,
	})
}

// handleConsentForm is POST /oauth2/consent: Deny sends the client
// access_denied; Allow issues the authorization code.
func (a *authorizer) handleConsentForm(w http.ResponseWriter, r *http.Request) {
	ar, st, _, ok := a.continueFlow(w, r, stageConsent)
	if !ok {
		return
	}
	ctx := r.Context()
	switch r.PostForm.Get("decision") {
	case "allow":
	case "deny":
		a.s.log.InfoContext(ctx, "user denied an authorization", "user.id", st.Subject, "client.id", st.ClientID)
		a.fail(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The user denied the request."))
		return
	default:
		a.badRequest(ctx, w, "Choose Allow or Deny.")
		return
	}
	user, err := a.s.st.UserByID(ctx, st.Subject)
	if errors.Is(err, store.ErrNotFound) || (err == nil && user.Disabled) {
		a.fail(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The account can no longer sign in."))
		return
	}
	if err != nil {
		a.pages.serverError(ctx, w, "reading the user who consented", err)
		return
	}
	granted, err := a.s.grantableScopes(ctx, ar.GetRequestedScopes(), user.Roles)
	if err != nil {
		a.pages.serverError(ctx, w, "reading the user's permissions", err)
		return
	}
	for _, sc := range granted {
		ar.GrantScope(sc)
	}
	for _, aud := range ar.GetRequestedAudience() {
		ar.GrantAudience(aud)
	}
	sess := newSession(user.ID, user.Username, user.Roles)
	c := sess.Claims
	c.Issuer = a.s.cfg.Issuer
	c.AuthTime = time.Unix(st.AuthTime, 0).UTC()
	c.RequestedAt = time.Unix(st.RequestedAt, 0).UTC()
	c.IssuedAt = a.s.now().UTC()
	if slices.Contains(granted, "profile") {
		c.Extra["preferred_username"] = user.Username
	}
	resp, err := a.s.provider.NewAuthorizeResponse(ctx, ar, sess)
	if err != nil {
		a.fail(ctx, w, ar, err)
		return
	}
	a.s.log.InfoContext(ctx, "authorization granted", "user.id", user.ID, "client.id", st.ClientID, "scope", strings.Join(granted, " "))
	a.s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// identityScopes are the OpenID Connect scopes about the user themself,
// which any user may share.
var identityScopes = []string{"openid", "profile"}

// grantableScopes is the part of the requested scopes that a user with
// these roles can delegate: the OpenID Connect scopes about themself, and
// the permissions the roles hold ("*" holds every one). fosite has already
// checked that the client may ask for each; this keeps a client from getting
// through a user more than the user has.
func (s *Server) grantableScopes(ctx context.Context, requested, roles []string) ([]string, error) {
	held := map[string]bool{}
	all := false
	for _, name := range roles {
		r, err := s.st.Role(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading role %q: %w", name, err)
		}
		for _, p := range r.Permissions {
			held[p] = true
			all = all || p == "*"
		}
	}
	var out []string
	for _, sc := range requested {
		if slices.Contains(identityScopes, sc) || all || held[sc] {
			out = append(out, sc)
		}
	}
	return out, nil
}
