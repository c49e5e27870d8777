package authz_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
	"github.com/rampart-sec/rampart/clientip"
)

// Compile refuses a rule that could never be right, when the configuration
// is loaded rather than at the first request.
func ExampleCompile() {
	_, err := authz.Compile(authz.Spec{CEL: `'data:write' in identity.scopez`})
	fmt.Println(err)

	_, err = authz.Compile(authz.Spec{})
	fmt.Println(err)
	// Output:
	// authz: cel:1:25: undefined field 'scopez'
	//  | 'data:write' in identity.scopez
	//  | ........................^
	// authz: empty spec: state roles, all_roles, scopes or cel, or set allow_authenticated
}

func ExamplePolicy_Decide() {
	p, err := authz.Compile(authz.Spec{
		Roles:  []string{"admin", "editor"}, // any of
		Scopes: []string{"data:write"},      // all of
		CEL:    `request.method in ['POST', 'PUT'] && request.path.startsWith('/v1/')`,
	})
	if err != nil {
		log.Fatal(err)
	}
	editor := &authn.Identity{Subject: "usr_7", Roles: []string{"editor"}, Scopes: []string{"data:write"}}
	reader := &authn.Identity{Subject: "usr_8", Roles: []string{"reader"}, Scopes: []string{"data:read"}}

	fmt.Println(p.Decide(editor, httptest.NewRequest("POST", "/v1/articles", nil)))
	fmt.Println(p.Decide(editor, httptest.NewRequest("DELETE", "/v1/articles/1", nil)))
	fmt.Println(p.Decide(reader, httptest.NewRequest("POST", "/v1/articles", nil)))
	fmt.Println(p.Decide(nil, httptest.NewRequest("POST", "/v1/articles", nil)))
	// Output:
	// {true allowed}
	// {false cel: expression false}
	// {false missing role: none of "admin", "editor"}
	// {false no identity}
}

// A net/http server that lets admins write, from the gateway's client IP
// range only. The authenticator here is a stand-in; a real one comes from
// package authn.
func ExampleMiddleware() {
	policy, err := authz.Compile(authz.Spec{
		Roles: []string{"admin"},
		CEL:   `cidr('10.0.0.0/8').containsIP(ip(request.remote_ip))`,
	})
	if err != nil {
		log.Fatal(err) // a configuration error: refuse to start
	}
	audit := func(r *http.Request, d authz.Decision) {
		fmt.Printf("audit: %s %s allow=%v reason=%q\n", r.Method, r.URL.Path, d.Allow, d.Reason)
	}

	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "written")
	})
	// Stand-ins for the stages before authorization: the gateway decides the
	// client IP once, an authenticator puts the identity in the context.
	gateway := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := clientip.NewContext(r.Context(), netip.MustParseAddr("10.0.0.5"))
			if user := r.Header.Get("X-Demo-User"); user != "" {
				ctx = authn.WithIdentity(ctx, &authn.Identity{Subject: user, Roles: []string{user}})
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	srv := httptest.NewServer(gateway(authz.Middleware(policy, audit)(api)))
	defer srv.Close()

	for _, user := range []string{"admin", "guest", ""} {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/articles", nil)
		req.Header.Set("X-Demo-User", user)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Output:
	// audit: POST /v1/articles allow=true reason="allowed"
	// 200 text/plain; charset=utf-8
	// audit: POST /v1/articles allow=false reason="missing role \"admin\""
	// 403 application/problem+json
	// audit: POST /v1/articles allow=false reason="no identity"
	// 401 application/problem+json
}
