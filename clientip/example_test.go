package clientip_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-sec/rampart/clientip"
)

func Example() {
	// The load balancer in front of us lives in 10.0.0.0/8 and appends to
	// X-Forwarded-For.
	trusted, err := clientip.ParsePrefixes([]string{"10.0.0.0/8"})
	if err != nil {
		panic(err)
	}
	resolver, err := clientip.New(trusted, clientip.XForwardedFor)
	if err != nil {
		panic(err)
	}
	h := resolver.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(clientip.From(r))
	}))

	// Through the load balancer: the client put "1.2.3.4" there itself,
	// the load balancer appended the address it saw.
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.0.0.7:51000"
	req.Header.Set("X-Forwarded-For", "1.2.3.4, 203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), req)

	// Directly from the internet: the header is ignored.
	req = httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "198.51.100.7:40000"
	req.Header.Set("X-Forwarded-For", "1.2.3.4")
	h.ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// 203.0.113.9
	// 198.51.100.7
}
