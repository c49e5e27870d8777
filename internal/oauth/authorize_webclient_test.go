package oauth_test

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rampart-sec/rampart/internal/oauth"
)

// clock is a settable clock for the server under test.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }
func randomString(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// webClient is a browser without JavaScript: it keeps cookies, follows no
// redirects, and fills in the forms of the pages it is shown.
type webClient struct {
	t  *testing.T
	hc *http.Client
}

func newWebClient(t *testing.T) *webClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webClient{t: t, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer as the browser sees it.
type page struct {
	status int
	header http.Header
	body   string
	url    *url.URL
	forms  map[string]*htmlForm // by id
}

// htmlForm is a form of a page: its target, its named inputs with their
// values, and its submit buttons by id (name and value).
type htmlForm struct {
	action  *url.URL
	fields  url.Values
	buttons map[string][2]string
}

var (
	formRe = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	tagRe  = regexp.MustCompile(`<(input|button)\b([^>]*)>`)
	attrRe = regexp.MustCompile(`([a-zA-Z_][-a-zA-Z0-9_]*)(?:\s*=\s*"([^"]*)")?`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRe.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

func parsePage(t *testing.T, resp *http.Response) *page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := &page{status: resp.StatusCode, header: resp.Header, body: string(b), url: resp.Request.URL, forms: map[string]*htmlForm{}}
	for _, fm := range formRe.FindAllStringSubmatch(p.body, -1) {
		fa := attrs(fm[1])
		action, err := p.url.Parse(fa["action"])
		if err != nil {
			t.Fatalf("form action %q: %v", fa["action"], err)
		}
		f := &htmlForm{action: action, fields: url.Values{}, buttons: map[string][2]string{}}
		for _, tag := range tagRe.FindAllStringSubmatch(fm[2], -1) {
			ta := attrs(tag[2])
			if tag[1] == "button" {
				f.buttons[ta["id"]] = [2]string{ta["name"], ta["value"]}
			} else if ta["name"] != "" {
				f.fields.Set(ta["name"], ta["value"])
			}
		}
		p.forms[fa["id"]] = f
	}
	return p
}

func (c *webClient) do(req *http.Request) *page {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return parsePage(c.t, resp)
}

func (c *webClient) get(u string) *page {
	c.t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

func (c *webClient) post(u string, form url.Values) *page {
	c.t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// form returns the page's form with that id, or fails the test.
func (p *page) form(t *testing.T, id string) *htmlForm {
	t.Helper()
	f := p.forms[id]
	if f == nil {
		t.Fatalf("no form %q on the page (%d):\n%s", id, p.status, p.body)
	}
	return f
}

// submit sends form f with the fields in set changed and, if button is not
// "", that submit button pressed.
func (c *webClient) submit(f *htmlForm, set url.Values, button string) *page {
	c.t.Helper()
	v := url.Values{}
	for k, vs := range f.fields {
		v[k] = append([]string(nil), vs...)
	}
	for k, vs := range set {
		v[k] = vs
	}
	if button != "" {
		b, ok := f.buttons[button]
		if !ok {
			c.t.Fatalf("no button %q in the form", button)
		}
		v.Set(b[0], b[1])
	}
	return c.post(f.action.String(), v)
}

// signIn opens the authorization URL, signs in and returns the consent page.
func (c *webClient) signIn(authURL, username, password string) *page {
	c.t.Helper()
	p := c.get(authURL)
	if p.status != 200 {
		c.t.Fatalf("authorization request: %d %v\n%s", p.status, p.header, p.body)
	}
	p = c.submit(p.form(c.t, "login"), url.Values{"username": {username}, "password": {password}}, "")
	if p.status != 200 || p.forms["consent"] == nil {
		c.t.Fatalf("sign-in did not lead to the consent page: %d\n%s", p.status, p.body)
	}
	return p
}

// decide presses Allow or Deny and returns where the browser is sent.
func (c *webClient) decide(consent *page, button string) *url.URL {
	c.t.Helper()
	p := c.submit(consent.form(c.t, "consent"), nil, button)
	return redirectOf(c.t, p)
}

// redirectOf returns the 303 redirect of p, or fails the test.
func redirectOf(t *testing.T, p *page) *url.URL {
	t.Helper()
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || loc == "" {
		t.Fatalf("want a 303 redirect, got %d (Location %q):\n%s", p.status, loc, p.body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// withoutQuery is u's address without query and fragment.
func withoutQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment = "", ""
	return c.String()
}

func tokenErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// codeClient registers a client of the authorization code grant.
func codeClient(t *testing.T, e *env, name string, public, refresh bool, redirect string, scopes ...string) (id, secret string) {
	t.Helper()
	grants := []string{oauth.GrantAuthorizationCode}
	if refresh {
		grants = append(grants, oauth.GrantRefreshToken)
	}
	c, secret, err := e.clients.Create(ctx, oauth.ClientSpec{Name: name, GrantTypes: grants, Scopes: scopes,
		RedirectURIs: []string{redirect}, Audience: []string{"https://api.example.com"}, Public: public})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID, secret
}

func oauthConfig(e *env, id, secret, redirect string, scopes ...string) *oauth2.Config {
	style := oauth2.AuthStyleInHeader
	if secret == "" {
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: e.url + "/oauth2/authorize", TokenURL: e.url + "/oauth2/token", AuthStyle: style}}
}

// introspect asks whether tok is active, as a resource server.
func introspect(t *testing.T, e *env, tok string) bool {
	t.Helper()
	rs, secret, err := e.clients.Create(ctx, oauth.ClientSpec{Name: "rs", GrantTypes: []string{oauth.GrantClientCredentials}})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := postForm(t, e.url+"/oauth2/introspect", url.Values{"token": {tok}}, rs.ID, secret)
	if resp.StatusCode != 200 {
		t.Fatalf("introspection: %d %v", resp.StatusCode, body)
	}
	return body["active"] == true
}

// obtainCode runs the browser part of the flow and returns the code.
func obtainCode(t *testing.T, e *env, cfg *oauth2.Config, opts ...oauth2.AuthCodeOption) string {
	t.Helper()
	b := newWebClient(t)
	state := randomString(t, 12)
	loc := b.decide(b.signIn(cfg.AuthCodeURL(state, opts...), "alice", pw), "allow")
	if loc.Query().Get("state") != state || loc.Query().Get("code") == "" {
		t.Fatalf("redirect = %s", loc)
	}
	return loc.Query().Get("code")
}

func validCookie(t *testing.T, b *webClient, e *env, name string) bool {
	t.Helper()
	u, _ := url.Parse(e.url + "/oauth2/login")
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == name && len(c.Value) == 43 {
			return true
		}
	}
	return false
}

func flipChar(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// checkPageHeaders checks the headers every page carries. formTarget is the
// client origin that form-action allows besides 'self'.
func checkPageHeaders(t *testing.T, p *page, formTarget string) {
	t.Helper()
	fa := "'self'"
	if formTarget != "" {
		fa += " " + formTarget
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action " + fa + "; frame-ancestors 'none'; base-uri 'none'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
	for k, v := range want {
		if got := p.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, tag := range pageTagRe.FindAllStringSubmatch(p.body, -1) {
		if name := strings.ToLower(tag[1]); name == "script" || name == "style" || name == "iframe" || name == "object" {
			t.Errorf("the page has a <%s> element", name)
		}
		for a := range attrs(tag[2]) {
			if strings.HasPrefix(a, "on") || a == "style" {
				t.Errorf("the page has a %s attribute: %s", a, tag[0])
			}
		}
	}
}

var pageTagRe = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>`)
