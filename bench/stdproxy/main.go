// Command stdproxy is the gateway benchmark's calibration: Go's standard
// reverse proxy (httputil.ReverseProxy over http.Transport) in front of the
// same upstream, doing nothing else — no authentication, no headers, no
// logs. It is the floor that every net/http-based gateway (Traefik, Caddy,
// rampart's ReverseProxy path) builds on, measured on the same machine.
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:5001", "listen address")
	upstream := flag.String("upstream", "http://127.0.0.1:5000", "upstream URL")
	flag.Parse()
	u, err := url.Parse(*upstream)
	if err != nil {
		log.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	// Keep as many idle connections as wrk opens, as any tuned proxy does;
	// the default of 2 per host would measure connection churn instead.
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}
	log.Fatal(http.ListenAndServe(*addr, rp))
}
