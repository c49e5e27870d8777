package oauth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/store"
)

// maxUsernameLen matches POST /auth/login.
const maxUsernameLen = 256

// Messages of the sign-in page. Every failed sign-in — unknown user, wrong
// password, disabled or locked account — shows the same one.
const (
	msgBadCredentials = "Invalid username or password."
	msgMissingFields  = "Enter your username and password."
)

// continueFlow reads a form POST of the sign-in or consent page: it checks
// the CSRF token, then opens the flow token of the given stage and parses
// the authorization request it carries again. When ok is false it has
// answered, and nothing was changed.
func (a *authorizer) continueFlow(w http.ResponseWriter, r *http.Request, stage string) (ar fosite.AuthorizeRequester, st *flowState, csrf string, ok bool) {
	ctx := r.Context()
	setPageHeaders(w.Header(), "")
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		a.badRequest(ctx, w, "The form must be sent as application/x-www-form-urlencoded.")
		return nil, nil, "", false
	}
	if err := r.ParseForm(); err != nil {
		a.badRequest(ctx, w, "The form could not be read.")
		return nil, nil, "", false
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			a.badRequest(ctx, w, fmt.Sprintf("The field %q was sent more than once.", k))
			return nil, nil, "", false
		}
	}
	csrf, ok = a.csrf.check(r)
	if !ok {
		a.pages.showError(ctx, w, http.StatusForbidden, errorPage{
			Title:   "This form cannot be accepted",
			Message: "The form was not sent from this browser's own sign-in page, or your browser refused the cookie that proves it.",
			Detail:  "Enable cookies for this site, then start again from the application.",
		})
		return nil, nil, "", false
	}
	st, err := a.flows.open(r.PostForm.Get("flow"), stage, csrf)
	switch {
	case errors.Is(err, errFlowExpired):
		a.pages.showError(ctx, w, http.StatusBadRequest, errorPage{
			Title: "This page has expired", Message: "Too much time passed since the page was shown.",
			Detail: "Start again from the application."})
		return nil, nil, "", false
	case err != nil:
		a.s.log.WarnContext(ctx, "authorization form with an invalid flow token", "stage", stage, "error", err)
		a.badRequest(ctx, w, "The form's sign-in state is not valid for this browser.")
		return nil, nil, "", false
	}
	params, err := url.ParseQuery(st.Query)
	if err != nil {
		a.badRequest(ctx, w, "The form's sign-in state is not valid.")
		return nil, nil, "", false
	}
	ar, _, err = a.parse(ctx, r, params)
	if err != nil {
		a.fail(ctx, w, ar, err)
		return nil, nil, "", false
	}
	if ar.GetClient().GetID() != st.ClientID || ar.GetRedirectURI().String() != st.RedirectURI {
		a.badRequest(ctx, w, "The form's sign-in state does not match the application's request.")
		return nil, nil, "", false
	}
	return ar, st, csrf, true
}

// handleLoginForm is POST /oauth2/login: it checks the password and shows
// the consent page.
func (a *authorizer) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	ar, st, csrf, ok := a.continueFlow(w, r, stageLogin)
	if !ok {
		return
	}
	ctx := r.Context()
	username, password := r.PostForm.Get("username"), r.PostForm.Get("password")
	if username == "" || password == "" {
		a.showLogin(ctx, w, ar, st, csrf, username, msgMissingFields)
		return
	}
	if len(username) > maxUsernameLen || len(password) > identity.MaxPasswordLength {
		a.showLogin(ctx, w, ar, st, csrf, "", msgBadCredentials)
		return
	}
	user, locked, err := a.authenticate(ctx, username, password)
	if err != nil {
		a.s.log.ErrorContext(ctx, "authorization sign-in", "error", err)
		a.pages.showError(ctx, w, http.StatusServiceUnavailable, errorPage{
			Title: "Sign-in is unavailable", Message: "Try again in a moment."})
		return
	}
	if user == nil {
		if locked > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(locked.Seconds()))))
		}
		a.showLogin(ctx, w, ar, st, csrf, username, msgBadCredentials)
		return
	}
	now := a.s.now()
	next := &flowState{Stage: stageConsent, Query: st.Query, ClientID: st.ClientID, RedirectURI: st.RedirectURI, CSRF: st.CSRF,
		RequestedAt: st.RequestedAt, Expires: now.Add(consentFlowTTL).Unix(), Subject: user.ID, AuthTime: now.Unix()}
	a.s.log.InfoContext(ctx, "user signed in at the authorization endpoint", "user.id", user.ID, "client.id", st.ClientID)
	a.showConsent(ctx, w, ar, next, csrf, user)
}

// authenticate is Server.CheckPassword for the sign-in form.
func (a *authorizer) authenticate(ctx context.Context, username, password string) (*store.User, time.Duration, error) {
	return a.s.CheckPassword(ctx, username, password)
}
