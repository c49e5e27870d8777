// Package depaudit finds outdated and vulnerable dependencies in Go, Python
// and Node projects.
//
// An audit has three steps, each in its own files:
//
//   - Discover and parse the lock and manifest files under a directory
//     (gomod.go, python.go, npm.go, discover.go) into [Package] values.
//   - Match every package against OSV advisories, read from a local directory
//     ([LoadDB]) or asked of the OSV API ([OSVClient]), with each
//     ecosystem's own version ordering (version.go, osv.go, match.go).
//   - Optionally ask each ecosystem's registry for the newest release
//     (outdated.go, goproxy.go) and render a [Report] as text, JSON, SARIF
//     or HTML (report_*.go).
package depaudit
