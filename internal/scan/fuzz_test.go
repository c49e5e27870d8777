package scan

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// The scanner parses what the target sends (bodies, headers, keys) and what
// the user supplies (tokens, descriptions): each parser is fuzzed. Seeds are
// below and under testdata/fuzz.

func FuzzClassifyBody(f *testing.F) {
	for _, s := range []string{
		"", `{"message":"Invalid token"}`,
		"Traceback (most recent call last):\n  File \"/app/app.py\", line 12, in boom\nZeroDivisionError: division by zero",
		"<title>ZeroDivisionError // Werkzeug Debugger</title>",
		"    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)",
		"\tat com.example.Api.get(Api.java:42)", "goroutine 1 [running]:\nmain.main()",
		"<h1>Whitelabel Error Page</h1>", `{"error":"sqlalchemy.exc.OperationalError"}`,
	} {
		f.Add([]byte(s))
	}
	sigs := signatures()
	f.Fuzz(func(t *testing.T, body []byte) {
		sig := classifyBody(sigs, body)
		if sig.kind != bodyPlain && (sig.what == "" || !utf8.ValidString(sig.match)) {
			t.Fatalf("verdict %+v", sig)
		}
	})
}

func FuzzExtractLinks(f *testing.F) {
	f.Add("text/html", []byte(`<a href="/a">a</a><img src="http://other.example/x"><form action="/login">`), "</next>; rel=next")
	f.Add("application/json", []byte(`{"token_endpoint":"http://127.0.0.1:8080/oauth2/token","x":["/y",1,{"z":"//evil"}]}`), "")
	f.Add("application/json", []byte(`[[[[[[`), "<http://[::1]:80/x>")
	f.Add("text/html", []byte("<a href='\x00'>"), "<<>>,<")
	base, _ := url.Parse("http://127.0.0.1:8080/api/")
	f.Fuzz(func(t *testing.T, ct string, body []byte, link string) {
		links := extractLinks(base, ct, body, []string{link})
		if len(links) > maxLinks {
			t.Fatalf("%d links", len(links))
		}
		for _, l := range links {
			u, err := base.Parse(l)
			if err != nil || !sameOrigin(base, u) {
				t.Fatalf("link %q leaves the origin", l)
			}
		}
	})
}

func FuzzParseSuppliedJWT(f *testing.F) {
	f.Add("Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoiYWxpY2UifQ.2Xy9Kh6sVtu0eCJBNpVLWCqKBpn0pswOHQ6bMdEpMpE")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")
	f.Add("Bearer a.b.c")
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("Bearer eyJhbGciOiJIUzI1NiJ9.bnVsbA.x")
	f.Fuzz(func(t *testing.T, authz string) {
		j, ok := parseSuppliedJWT(authz)
		if !ok {
			return
		}
		if j.alg == "" || !strings.HasSuffix(j.authValue(j.raw), j.raw) {
			t.Fatalf("parsed %+v", j)
		}
		_ = j.describe()
		if _, err := j.forgeTampered(); err != nil {
			t.Fatalf("forging from a parsed token: %v", err)
		}
		_, _ = j.crack([]string{"secret"})
	})
}

func FuzzExtractIDs(f *testing.F) {
	f.Add([]byte(`[{"id":1,"owner":"alice"},{"id":"b7","uuid":"0000-1"}]`))
	f.Add([]byte(`{"data":{"items":[{"ID":12345678901234567890}]}}`))
	f.Add([]byte(`{"id":"../../etc/passwd"}`))
	f.Add([]byte(`[[[[[[[[[[[[{"id":1}]]]]]]]]]]]]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ids := extractIDs(body)
		if len(ids) > maxIDs {
			t.Fatalf("%d ids", len(ids))
		}
		for _, id := range ids {
			if id == "" || strings.ContainsAny(id, "/?#") {
				t.Fatalf("unsafe id %q", id)
			}
		}
	})
}

func FuzzMatchSQL(f *testing.F) {
	f.Add([]byte(`{"error":"SQL logic error: near \"scan\": syntax error (1)"}`))
	f.Add([]byte("ERROR: unterminated quoted string at or near \"'\""))
	f.Add([]byte("ORA-01756: quoted string not properly terminated"))
	f.Add([]byte("all good"))
	sigs := sqlSignatures()
	f.Fuzz(func(t *testing.T, body []byte) {
		if m := matchSQL(sigs, body); m != "" && !utf8.ValidString(m) {
			t.Fatalf("match %q", m)
		}
	})
}

func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"1"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, err := parseJWKS(body)
		if err == nil && len(keys) == 0 {
			t.Fatal("no error and no key")
		}
	})
}

func FuzzParseSpec(f *testing.F) {
	f.Add([]byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n      responses: {'200': {description: ok}}\n"))
	f.Add([]byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"basePath":"/v1","paths":{"/x":{"get":{"responses":{"200":{"description":"ok"}}}}}}`))
	f.Add([]byte("openapi: 3.1.0\npaths: {}\n"))
	f.Add([]byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: '#/paths/~1a'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := parseSpec(t.Context(), data, "fuzz")
		if err != nil {
			return
		}
		for _, op := range ops {
			if op.Method == "" {
				t.Fatalf("operation without method: %+v", op)
			}
			_ = op.target(nil)
		}
	})
}
