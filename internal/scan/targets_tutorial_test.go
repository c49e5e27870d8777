package scan

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	_ "modernc.org/sqlite" // the SQL the injection check attacks is real
)

// tutorialAPI is the tutorial's Flask API rebuilt in Go with its mistakes
// (hardened=false) or with each of them fixed (hardened=true). The routes
// are those of testdata/tutorial-openapi.yaml; every difference between the
// twins is one planted weakness.
type tutorialAPI struct {
	hardened bool
	key      *ecdsa.PrivateKey // hardened tokens (ES256)
	db       *sql.DB

	mu       sync.Mutex
	items    map[int]map[string]any
	nextID   int
	failures map[string]int // failed logins per client IP (hardened)
}

// tutorialSecret is the tutorial's HS256 key: jwt.encode(..., 'secret', ...).
const tutorialSecret = "secret"

func newTutorialAPI(t *testing.T, hardened bool) (*tutorialAPI, *httptest.Server) {
	t.Helper()
	a := &tutorialAPI{hardened: hardened, failures: map[string]int{}, nextID: 4,
		items: map[int]map[string]any{
			1: {"id": 1, "owner": "alice", "name": "alice's notes"},
			2: {"id": 2, "owner": "alice", "name": "alice's diary"},
			3: {"id": 3, "owner": "bob", "name": "bob's list"},
		}}
	var err error
	if a.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if a.db, err = sql.Open("sqlite", ":memory:"); err != nil {
		t.Fatal(err)
	}
	a.db.SetMaxOpenConns(1)
	if _, err := a.db.Exec(`CREATE TABLE books(title TEXT); INSERT INTO books VALUES ('a book'), ('another book')`); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler())
	t.Cleanup(func() { srv.Close(); a.db.Close() })
	return a, srv
}

// token returns a token for user as this twin issues them: the tutorial's
// HS256 with 'secret' and no exp, or ES256 expiring in ten minutes.
func (a *tutorialAPI) token(t *testing.T, user string) string {
	t.Helper()
	if !a.hardened {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"user": user}).SignedString([]byte(tutorialSecret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"user": user, "exp": time.Now().Add(10 * time.Minute).Unix()}).SignedString(a.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// user authenticates r: the tutorial accepts the hard-coded token and any
// HS256 'secret' token; the twin only ES256 tokens with exp.
func (a *tutorialAPI) user(r *http.Request) (string, bool) {
	v := r.Header.Get("Authorization")
	if !a.hardened {
		if v == "Bearer mysecrettoken" || v == "mysecrettoken" { // the hard-coded static token
			return "service", true
		}
		tok := strings.TrimPrefix(v, "Bearer ")
		c := jwt.MapClaims{}
		if _, err := jwt.ParseWithClaims(tok, c, func(*jwt.Token) (any, error) { return []byte(tutorialSecret), nil }, jwt.WithValidMethods([]string{"HS256"})); err != nil {
			return "", false // the tutorial's bare except: every failure is "Invalid token"
		}
		u, _ := c["user"].(string)
		return u, u != ""
	}
	tok, ok := strings.CutPrefix(v, "Bearer ")
	if !ok {
		return "", false
	}
	c := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tok, c, func(*jwt.Token) (any, error) { return &a.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithExpirationRequired()); err != nil {
		return "", false
	}
	u, _ := c["user"].(string)
	return u, u != ""
}

func writeJSONBody(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// guard answers 401 unless r is authenticated, then calls next.
func (a *tutorialAPI) guard(next func(w http.ResponseWriter, r *http.Request, user string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.user(r)
		if !ok {
			if a.hardened {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			}
			writeJSONBody(w, http.StatusUnauthorized, map[string]string{"message": "Invalid token"})
			return
		}
		next(w, r, u)
	}
}

// route registers h for method and path: the tutorial registers the path
// for every method (handlers ignore r.Method); the twin only for method.
func (a *tutorialAPI) route(mux *http.ServeMux, method, path string, h http.HandlerFunc) {
	if a.hardened {
		mux.HandleFunc(method+" "+path, h)
		return
	}
	mux.HandleFunc(path, h)
}

func (a *tutorialAPI) handler() http.Handler {
	mux := http.NewServeMux()
	a.route(mux, "POST", "/login", a.login)
	a.route(mux, "GET", "/boom", a.boom)
	a.route(mux, "GET", "/api/data", a.guard(func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSONBody(w, 200, map[string]string{"data": "This is secure data"})
	}))
	a.route(mux, "GET", "/api/items", a.guard(a.listItems))
	mux.HandleFunc("POST /api/items", a.guard(a.createItem))
	a.route(mux, "GET", "/api/items/{id}", a.guard(a.item))
	if a.hardened {
		mux.HandleFunc("PUT /api/items/{id}", a.guard(a.item))
	}
	mux.HandleFunc("POST /api/users", a.guard(a.register))
	a.route(mux, "GET", "/api/admin/users", a.guard(func(w http.ResponseWriter, r *http.Request, user string) {
		if a.hardened && user != "alice" {
			writeJSONBody(w, http.StatusForbidden, map[string]string{"message": "admins only"})
			return
		}
		writeJSONBody(w, 200, []string{"alice", "bob"})
	}))
	a.route(mux, "GET", "/api/search", a.guard(a.search))
	a.route(mux, "GET", "/api/preview", a.guard(a.preview))
	a.route(mux, "GET", "/api/orders", a.orders)
	a.route(mux, "GET", "/api/reports", a.reports)
	a.route(mux, "GET", "/api/v2/status", func(w http.ResponseWriter, r *http.Request) { writeJSONBody(w, 200, map[string]string{"status": "ok"}) })
	if !a.hardened {
		a.plantLeaks(mux)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if !a.hardened && r.URL.Query().Get("__debugger__") == "yes" {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, "docReady(() => {\n  if (!EVALEX_TRUSTED) { initPinBox(); }\n  // fetch('?__debugger__=yes&cmd=' + ...)\n});\n")
			return
		}
		writeJSONBody(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	})
	return a.middleware(mux)
}

// plantLeaks serves what a careless deployment leaves reachable: the
// debugger console, .env, .git, the spec, an old API version.
func (a *tutorialAPI) plantLeaks(mux *http.ServeMux) {
	mux.HandleFunc("/console", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><title>Console // Werkzeug Debugger</title><h1>Interactive Console</h1><p>The console is locked and needs to be unlocked by entering the PIN.")
	})
	mux.HandleFunc("/.env", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "FLASK_DEBUG=1\nSECRET_KEY=secret\nDATABASE_URL=sqlite:///app.db\n")
	})
	mux.HandleFunc("/.git/HEAD", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ref: refs/heads/main\n") })
	mux.HandleFunc("/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		b, _ := os.ReadFile("testdata/tutorial-openapi.yaml")
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/api/v1/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSONBody(w, 200, map[string]string{"status": "ok", "version": "v1 (deprecated)"})
	})
}

// middleware adds the twin's headers: the tutorial sends one security
// header, a version banner, reflects any Origin with credentials and echoes
// TRACE; the hardened twin sends the full set and allows one origin.
func (a *tutorialAPI) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if !a.hardened {
			h.Set("Server", "Werkzeug/3.0.1 Python/3.12.3")
			if o := r.Header.Get("Origin"); o != "" {
				h.Set("Access-Control-Allow-Origin", o)
				h.Set("Access-Control-Allow-Credentials", "true")
			}
			if r.Method == "TRACE" || r.Method == "TRACK" {
				h.Set("Content-Type", "message/http")
				fmt.Fprintf(w, "%s %s HTTP/1.1\r\n", r.Method, r.URL.RequestURI())
				_ = r.Header.Write(w)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if r.Header.Get("Origin") == "https://app.example.com" {
			h.Set("Access-Control-Allow-Origin", "https://app.example.com")
			h.Set("Vary", "Origin")
		}
		next.ServeHTTP(w, r)
	})
}

func (a *tutorialAPI) login(w http.ResponseWriter, r *http.Request) {
	ip := r.RemoteAddr[:strings.LastIndex(r.RemoteAddr, ":")]
	if a.hardened {
		a.mu.Lock()
		n := a.failures[ip]
		a.mu.Unlock()
		if n >= 5 {
			w.Header().Set("Retry-After", "60")
			writeJSONBody(w, http.StatusTooManyRequests, map[string]string{"message": "too many failed logins"})
			return
		}
	}
	user, pass, ok := r.BasicAuth()
	if ok && pass == "password" {
		writeJSONBody(w, 200, map[string]string{"token": a.tokenFor(user)})
		return
	}
	a.mu.Lock()
	a.failures[ip]++
	a.mu.Unlock()
	writeJSONBody(w, http.StatusForbidden, map[string]string{"message": "Authentication failed"})
}

func (a *tutorialAPI) tokenFor(user string) string {
	if !a.hardened {
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"user": user}).SignedString([]byte(tutorialSecret))
		return s
	}
	s, _ := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"user": user, "exp": time.Now().Add(10 * time.Minute).Unix()}).SignedString(a.key)
	return s
}

// boom fails: with debug=True Flask shows the Werkzeug debugger.
func (a *tutorialAPI) boom(w http.ResponseWriter, r *http.Request) {
	if a.hardened {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(500)
		fmt.Fprint(w, `{"title":"Internal Server Error","status":500,"id":"7f3a"}`)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(500)
	fmt.Fprint(w, `<!doctype html><html><head><title>ZeroDivisionError: division by zero // Werkzeug Debugger</title>
<script>var CONSOLE_MODE = false, EVALEX = true, EVALEX_TRUSTED = false, SECRET = "Xy12";</script></head>
<body><h1>ZeroDivisionError</h1><div class="plain"><p>The debugger caught an exception in your WSGI application.</p>
<pre>Traceback (most recent call last):
  File "/app/app.py", line 12, in boom
    return 1 / 0
ZeroDivisionError: division by zero</pre></div></body></html>`)
}

func (a *tutorialAPI) listItems(w http.ResponseWriter, r *http.Request, user string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []map[string]any
	for id := 1; id < a.nextID; id++ {
		if it, ok := a.items[id]; ok && it["owner"] == user {
			out = append(out, it)
		}
	}
	writeJSONBody(w, 200, out)
}

func (a *tutorialAPI) createItem(w http.ResponseWriter, r *http.Request, user string) {
	var in struct{ Name string }
	_ = json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in)
	a.mu.Lock()
	id := a.nextID
	a.nextID++
	it := map[string]any{"id": id, "owner": user, "name": in.Name}
	a.items[id] = it
	a.mu.Unlock()
	writeJSONBody(w, http.StatusCreated, it)
}

// item reads or overwrites one item: the tutorial never checks the owner.
func (a *tutorialAPI) item(w http.ResponseWriter, r *http.Request, user string) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		if a.hardened {
			writeJSONBody(w, http.StatusBadRequest, map[string]string{"message": "id must be an integer"})
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(500)
		fmt.Fprintf(w, "Traceback (most recent call last):\n  File \"/app/app.py\", line 42, in get_item\n    item = ITEMS[int(item_id)]\nValueError: invalid literal for int() with base 10: %q\n", r.PathValue("id"))
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	it, ok := a.items[id]
	if !ok || (a.hardened && it["owner"] != user) {
		writeJSONBody(w, http.StatusNotFound, map[string]string{"message": "no such item"})
		return
	}
	if r.Method == http.MethodPut {
		var in struct{ Name string }
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in)
		it["name"] = in.Name
	}
	writeJSONBody(w, 200, it)
}

// register stores a user profile: the tutorial copies every field.
func (a *tutorialAPI) register(w http.ResponseWriter, r *http.Request, _ string) {
	in := map[string]any{}
	_ = json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in)
	if a.hardened {
		in = map[string]any{"name": in["name"], "email": in["email"], "role": "user"}
	} else if _, ok := in["role"]; !ok {
		in["role"] = "user"
	}
	writeJSONBody(w, http.StatusCreated, in)
}

func (a *tutorialAPI) search(w http.ResponseWriter, r *http.Request, _ string) {
	q := r.URL.Query().Get("q")
	var rows *sql.Rows
	var err error
	if a.hardened {
		rows, err = a.db.Query("SELECT title FROM books WHERE title LIKE ?", "%"+q+"%")
	} else {
		rows, err = a.db.Query(fmt.Sprintf("SELECT title FROM books WHERE title LIKE '%%%s%%'", q))
	}
	if err != nil {
		if a.hardened {
			writeJSONBody(w, 500, map[string]string{"message": "internal error", "id": "1b2c"})
			return
		}
		writeJSONBody(w, 500, map[string]string{"error": err.Error()})
		return
	}
	defer rows.Close()
	var titles []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		titles = append(titles, s)
	}
	writeJSONBody(w, 200, titles)
}

// preview fetches a URL for the client: the tutorial fetches anything.
func (a *tutorialAPI) preview(w http.ResponseWriter, r *http.Request, _ string) {
	u := r.URL.Query().Get("url")
	if a.hardened && u != "https://example.com/" {
		writeJSONBody(w, http.StatusBadRequest, map[string]string{"message": "url not allowed"})
		return
	}
	if a.hardened {
		writeJSONBody(w, 200, map[string]string{"preview": "(cached) Example Domain"})
		return
	}
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		// The tutorial's style: the exception text goes to the client.
		writeJSONBody(w, http.StatusBadGateway, map[string]string{"error": fmt.Sprintf("urllib.error.URLError: <urlopen error %v>", err)})
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	writeJSONBody(w, 200, map[string]string{"preview": string(b)})
}

// orders only checks that some Authorization header is present, and allows
// every origin.
func (a *tutorialAPI) orders(w http.ResponseWriter, r *http.Request) {
	if a.hardened {
		a.guard(func(w http.ResponseWriter, r *http.Request, _ string) { writeJSONBody(w, 200, []string{}) })(w, r)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Header.Get("Authorization") == "" {
		writeJSONBody(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
		return
	}
	writeJSONBody(w, 200, []string{"order-1"})
}

// reports is documented as secured but the tutorial forgot the check.
func (a *tutorialAPI) reports(w http.ResponseWriter, r *http.Request) {
	if a.hardened {
		a.guard(func(w http.ResponseWriter, r *http.Request, _ string) { writeJSONBody(w, 200, []string{}) })(w, r)
		return
	}
	writeJSONBody(w, 200, []string{"q3 revenue"})
}
