package config_test

import (
	"errors"
	"fmt"

	"github.com/rampart-sec/rampart/internal/config"
)

func ExampleParse() {
	file := []byte(`version: 1
server:
  listen: 0.0.0.0:8080
  read_header_timeout: fast
logging:
  levl: debug
`)
	_, err := config.Parse("rampart.yaml", file, []string{"RAMPART_MODE=prod"})
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Println(e)
		}
	}
	// Output:
	// environment RAMPART_MODE (mode): must be one of development, production; got "prod"
	// rampart.yaml:3: server.listen: "0.0.0.0:8080" is not a loopback address, and TLS is off, so credentials and tokens would cross the network in plain text; set server.tls.cert_file and server.tls.key_file, listen on 127.0.0.1, ::1 or localhost, or set server.insecure_http: true if a proxy in front of rampart terminates TLS
	// rampart.yaml:4: server.read_header_timeout: expected a duration like "15s", got "fast"
	// rampart.yaml:6: logging.levl: unknown key; did you mean "level"?
}

func ExampleDecodeKey32() {
	_, err := config.DecodeKey32("c2hvcnQ=")
	fmt.Println(err)
	key, err := config.DecodeKey32("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
	fmt.Println(len(key), err)
	// Output:
	// key has the wrong length: got 5 bytes, want 32
	// 32 <nil>
}
