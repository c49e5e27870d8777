// Command upstream is the minimal API the gateway benchmark proxies to: a
// small JSON answer to every GET.
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:5000", "listen address")
	flag.Parse()
	body := []byte(`{"data":"This is secure data"}`)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})))
}
