package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/rampart-sec/rampart/web"
)

// pages renders the sign-in, consent and error pages from web/templates.
type pages struct {
	login, consent, failure *template.Template
	log                     *slog.Logger
}

func newPages(log *slog.Logger) *pages {
	parse := func(name string) *template.Template {
		// The templates are embedded in the binary: failing to parse them is a build defect.
		return template.Must(template.New(name).ParseFS(web.FS, "templates/layout.html", "templates/"+name+".html"))
	}
	return &pages{login: parse("login"), consent: parse("consent"), failure: parse("error"), log: log}
}

// loginPage is the data of login.html.
type loginPage struct {
	ClientName string
	ReturnTo   string
	Username   string
	Error      string
	Flow, CSRF string
}

// consentPage is the data of consent.html.
type consentPage struct {
	ClientName string
	ReturnTo   string
	Username   string
	Scopes     []scopeLine
	Offline    bool
	Audience   []string
	Flow, CSRF string
}

// scopeLine is one requested scope on the consent page.
type scopeLine struct {
	Name, Description string
	Granted           bool
}

// errorPage is the data of error.html.
type errorPage struct {
	Title, Message, Detail, ID string
}

// pageCSP is the Content-Security-Policy of every page. form-action names
// the client's redirect origin too where a form's answer may redirect there:
// Chromium applies form-action to every hop of a form submission's redirects.
func pageCSP(formTarget string) string {
	fa := "'self'"
	if formTarget != "" {
		fa += " " + formTarget
	}
	return "default-src 'none'; style-src 'self'; img-src 'self'; form-action " + fa + "; frame-ancestors 'none'; base-uri 'none'"
}

// setPageHeaders sets the headers every page and redirect of the
// authorization endpoint carries.
func setPageHeaders(h http.Header, formTarget string) {
	h.Set("Content-Security-Policy", pageCSP(formTarget))
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// cspSource matches the origins formTarget may return: nothing that could
// end a CSP source expression or start another directive.
var cspSource = regexp.MustCompile(`^(?:https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?|[a-z][a-z0-9+.\-]*:)$`)

// formTarget is the CSP source expression of a redirect URI: its origin for
// http(s), its scheme for a native app's private-use scheme; "" when it
// cannot be expressed safely.
func formTarget(u *url.URL) string {
	if u == nil {
		return ""
	}
	var src string
	switch u.Scheme {
	case "http", "https":
		src = u.Scheme + "://" + u.Host
	default:
		src = strings.ToLower(u.Scheme) + ":"
	}
	if !cspSource.MatchString(src) {
		return ""
	}
	return src
}

// returnTo is how a page names where the browser will be sent: the redirect
// URI's origin, or its scheme for a native app.
func returnTo(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + ":"
}

func (p *pages) render(ctx context.Context, w http.ResponseWriter, t *template.Template, status int, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		p.log.ErrorContext(ctx, "rendering an authorization page", "page", t.Name(), "error", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// showError renders the error page; the caller set the page headers.
func (p *pages) showError(ctx context.Context, w http.ResponseWriter, status int, e errorPage) {
	p.render(ctx, w, p.failure, status, e)
}

// serverError logs err under a fresh id and shows the user only the id.
func (p *pages) serverError(ctx context.Context, w http.ResponseWriter, what string, err error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	p.log.ErrorContext(ctx, what, "error", err, "error.id", id)
	p.showError(ctx, w, http.StatusInternalServerError, errorPage{
		Title: "Something went wrong", Message: "The sign-in could not be completed. Try again in a moment.", ID: id})
}

// staticHandler serves web/static under /oauth2/static/, files only.
func staticHandler() http.Handler {
	sub, err := fs.Sub(web.FS, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	files := http.StripPrefix("/oauth2/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/oauth2/static/")
		if name == "" || strings.HasSuffix(name, "/") {
			http.NotFound(w, r)
			return
		}
		setPageHeaders(w.Header(), "")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Del("Pragma")
		files.ServeHTTP(w, r)
	})
}
