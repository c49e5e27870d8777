// Command rampart is a secure front door for HTTP APIs.
package main

import (
	"os"

	"github.com/rampart-sec/rampart/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
