package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ory/fosite"

	"github.com/rampart-sec/rampart/internal/store"
)

// The authorization endpoint (OAuth 2.1 §4.1, OpenID Connect Core §3.1):
//
//	GET|POST /oauth2/authorize  the client's request; answered with the sign-in page
//	POST /oauth2/login          the sign-in form; answered with the consent page
//	POST /oauth2/consent        Allow or Deny; answered with a 303 to the client
//
// Only response_type=code is served, PKCE with S256 is required of public
// clients, and there is no single sign-on session: every authorization asks
// for the password and for consent.

// authorizer serves the authorization endpoint and its pages.
type authorizer struct {
	s      *Server
	flows  *flowSealer
	csrf   csrfCookie
	pages  *pages
	random io.Reader
}

// authorizeRoutes registers the authorization endpoint, its forms and their
// static assets.
func (s *Server) authorizeRoutes(mux Mux) {
	a := newAuthorizer(s)
	mux.HandleFunc("GET /oauth2/authorize", a.handleAuthorize)
	mux.HandleFunc("POST /oauth2/authorize", a.handleAuthorize)
	mux.HandleFunc("POST /oauth2/login", a.handleLoginForm)
	mux.HandleFunc("POST /oauth2/consent", a.handleConsentForm)
	mux.Handle("GET /oauth2/static/", staticHandler())
}

func newAuthorizer(s *Server) *authorizer {
	key, err := s.flowKey(context.Background())
	if err != nil {
		// Not expected (New loaded the secret); a per-process key still
		// works, but sign-ins then survive neither a restart nor a hop to
		// another node.
		s.log.Error("deriving the authorization flow key; using a per-process key", "error", err)
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic(err)
		}
	}
	return &authorizer{
		s:      s,
		flows:  &flowSealer{key: key, now: s.now},
		csrf:   newCSRFCookie(s.cfg.Issuer),
		pages:  newPages(s.log),
		random: rand.Reader,
	}
}

// handleAuthorize is GET and POST /oauth2/authorize: it validates the
// authorization request and shows the sign-in page.
func (a *authorizer) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	setPageHeaders(w.Header(), "")
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
			a.badRequest(ctx, w, "The authorization request must be sent as a query or as an application/x-www-form-urlencoded body.")
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		a.badRequest(ctx, w, "The authorization request could not be read.")
		return
	}
	ar, query, err := a.parse(ctx, r, r.Form)
	if err != nil {
		a.fail(ctx, w, ar, err)
		return
	}
	csrf, err := a.csrf.ensure(w, r, a.random)
	if err != nil {
		a.pages.serverError(ctx, w, "starting an authorization", err)
		return
	}
	now := a.s.now()
	st := &flowState{Stage: stageLogin, Query: query, ClientID: ar.GetClient().GetID(), RedirectURI: ar.GetRedirectURI().String(),
		CSRF: csrfBinding(csrf), RequestedAt: now.Unix(), Expires: now.Add(loginFlowTTL).Unix()}
	a.showLogin(ctx, w, ar, st, csrf, ar.GetRequestForm().Get("login_hint"), "")
}

// parse validates an authorization request given as parameters, with fosite
// and then with rampart's own rules, and returns it with its canonical
// query. The same parameters always parse the same way, so the later steps
// parse the query their flow token carries again instead of trusting a
// stored result: a client or redirect URI removed since is refused.
func (a *authorizer) parse(ctx context.Context, r *http.Request, params url.Values) (fosite.AuthorizeRequester, string, error) {
	form := url.Values{}
	var dup string
	for k, v := range params {
		// client_id and redirect_uri first: which one is reported decides
		// whether the error may be redirected at all.
		if len(v) > 1 && !slices.Contains(repeatable, k) && (dup == "" || k == "client_id" || k == "redirect_uri") {
			dup = k
		}
		form[k] = slices.Clone(v)
	}
	// response_mode=query is the default for code; fosite would refuse it
	// from a client that does not declare response modes.
	if form.Get("response_mode") == string(fosite.ResponseModeQuery) {
		form.Del("response_mode")
	}
	// RFC 8707: resource names the audience; fosite reads "audience".
	if res := form["resource"]; len(res) > 0 {
		form["audience"] = append(form["audience"], res...)
		form.Del("resource")
	}
	// Request objects are not supported. fosite would refuse one before it
	// validates the redirect URI, and the refusal could not reach the client.
	var unsupported error
	switch {
	case form.Get("request") != "":
		unsupported = fosite.ErrRequestNotSupported.WithHint("Request objects are not supported.")
	case form.Get("request_uri") != "":
		unsupported = fosite.ErrRequestURINotSupported.WithHint("Request objects are not supported.")
	}
	form.Del("request")
	form.Del("request_uri")
	query := form.Encode()
	if dup == "client_id" || dup == "redirect_uri" {
		// Which of the two would another parser pick? Redirect to neither.
		return nil, query, fosite.ErrInvalidRequest.WithHintf("The parameter %q was sent more than once.", dup)
	}

	req := r.Clone(ctx)
	req.Method = http.MethodGet
	req.URL = &url.URL{Path: "/oauth2/authorize", RawQuery: query}
	req.Body, req.ContentLength = http.NoBody, 0
	req.Form, req.PostForm, req.MultipartForm = nil, nil, nil
	req.Header.Del("Content-Type")
	ar, err := a.s.provider.NewAuthorizeRequest(ctx, req)
	if err != nil {
		return ar, query, err
	}
	switch {
	case unsupported != nil:
		return ar, query, unsupported
	case dup != "":
		return ar, query, fosite.ErrInvalidRequest.WithHintf("The parameter %q was sent more than once.", dup)
	case len(query) > maxAuthorizeQuery:
		return ar, query, fosite.ErrInvalidRequest.WithHint("The authorization request is too large.")
	}
	return ar, query, checkAuthorizeRequest(ar)
}

// oidcPrompts are the prompt values of OpenID Connect Core §3.1.2.1.
var oidcPrompts = []string{"none", "login", "consent", "select_account"}

// minNonceLen matches fosite's MinParameterEntropy, which it would enforce
// only at the token endpoint.
const minNonceLen = 8

// checkAuthorizeRequest applies what fosite checks only once the user has
// signed in and consented (or not at all), so that a request bound to fail
// fails before anyone types a password.
func checkAuthorizeRequest(ar fosite.AuthorizeRequester) error {
	form := ar.GetRequestForm()
	if !ar.GetResponseTypes().ExactOne("code") {
		return fosite.ErrUnsupportedResponseType.WithHint("Only response_type=code is supported (OAuth 2.1: no implicit or hybrid flows).")
	}
	challenge, method := form.Get("code_challenge"), form.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return fosite.ErrInvalidRequest.WithHint("code_challenge_method was sent without a code_challenge.")
	case challenge == "" && ar.GetClient().IsPublic():
		return fosite.ErrInvalidRequest.WithHint("This client must send a code_challenge with code_challenge_method=S256 (PKCE).")
	case challenge != "" && method != "S256":
		return fosite.ErrInvalidRequest.WithHint("Clients must use code_challenge_method=S256; plain is not allowed.")
	case challenge != "" && !validS256Challenge(challenge):
		return fosite.ErrInvalidRequest.WithHint("The code_challenge must be the base64url SHA-256 of the code verifier (43 characters).")
	}
	prompts := strings.Fields(form.Get("prompt"))
	for _, p := range prompts {
		if !slices.Contains(oidcPrompts, p) {
			return fosite.ErrInvalidRequest.WithHintf("Unknown prompt value %q.", p)
		}
	}
	if slices.Contains(prompts, "none") {
		if len(prompts) > 1 {
			return fosite.ErrInvalidRequest.WithHint("prompt=none cannot be combined with other values.")
		}
		return fosite.ErrLoginRequired.WithHint("The user must sign in: there is no session to reuse.")
	}
	if form.Get("id_token_hint") != "" {
		return fosite.ErrInvalidRequest.WithHint("id_token_hint is not supported.")
	}
	if n := form.Get("nonce"); n != "" && len(n) < minNonceLen {
		return fosite.ErrInvalidRequest.WithHintf("The nonce must be at least %d characters long.", minNonceLen)
	}
	if ma := form.Get("max_age"); ma != "" {
		if v, err := strconv.ParseInt(ma, 10, 64); err != nil || v < 0 {
			return fosite.ErrInvalidRequest.WithHint("max_age must be a non-negative number of seconds.")
		}
	}
	return nil
}

// validS256Challenge reports whether c can be a base64url SHA-256 digest.
func validS256Challenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	return err == nil && len(b) == 32
}

// fail answers a refused authorization request. The error goes back to the
// client only when fosite matched the redirect URI against the client's
// registration (as WriteAuthorizeError decides, by ar.IsRedirectURIValid);
// for an unknown client or an unregistered redirect URI the user sees an
// error page and is redirected nowhere (RFC 6749 §4.1.2.1).
func (a *authorizer) fail(ctx context.Context, w http.ResponseWriter, ar fosite.AuthorizeRequester, err error) {
	rfc := fosite.ErrorToRFC6749Error(err)
	if rfc.CodeField >= http.StatusInternalServerError {
		a.pages.serverError(ctx, w, "authorization endpoint failure", fmt.Errorf("%w (%s)", err, rfc.DebugField))
		return
	}
	if ar == nil || ar.GetClient() == nil || !ar.IsRedirectURIValid() {
		a.pages.showError(ctx, w, http.StatusBadRequest, errorPage{
			Title:   "This sign-in request is not valid",
			Message: "The application that sent you here made a request that rampart cannot accept, so you were not sent back to it.",
			Detail:  rfc.GetDescription(),
		})
		return
	}
	// Errors travel in the query, whatever response_mode asked for: no
	// fragment or form_post response is offered.
	if m := ar.GetResponseMode(); m != fosite.ResponseModeDefault && m != fosite.ResponseModeQuery {
		if far, ok := ar.(*fosite.AuthorizeRequest); ok {
			far.ResponseMode = fosite.ResponseModeQuery
		}
	}
	setPageHeaders(w.Header(), "")
	a.s.provider.WriteAuthorizeError(ctx, w, ar, err)
}

func (a *authorizer) badRequest(ctx context.Context, w http.ResponseWriter, detail string) {
	a.pages.showError(ctx, w, http.StatusBadRequest, errorPage{
		Title: "This sign-in request is not valid", Message: "The request could not be processed.", Detail: detail})
}

// clientName is the registered name of the client, or its ID.
func (a *authorizer) clientName(ctx context.Context, id string) string {
	c, err := a.s.st.Client(ctx, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			a.s.log.WarnContext(ctx, "reading the client's name", "client.id", id, "error", err)
		}
		return id
	}
	if c.Name == "" {
		return id
	}
	return c.Name
}

// showLogin renders the sign-in page for the flow st.
func (a *authorizer) showLogin(ctx context.Context, w http.ResponseWriter, ar fosite.AuthorizeRequester, st *flowState, csrf, username, msg string) {
	tok, err := a.flows.seal(st)
	if err != nil {
		a.pages.serverError(ctx, w, "sealing the authorization flow", err)
		return
	}
	setPageHeaders(w.Header(), formTarget(ar.GetRedirectURI()))
	if len(username) > maxUsernameLen {
		username = ""
	}
	a.pages.render(ctx, w, a.pages.login, http.StatusOK, loginPage{
		ClientName: a.clientName(ctx, ar.GetClient().GetID()), ReturnTo: returnTo(ar.GetRedirectURI()),
		Username: username, Error: msg, Flow: tok, CSRF: csrf,
	})
}
