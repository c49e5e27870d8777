// Package scan is rampart's dynamic API scanner: it probes a running HTTP API
// for the weaknesses of the OWASP API Security Top 10 (2023) and for the
// mistakes a typical tutorial API makes (a hard-coded static token, a JWT
// signed with "secret" and no expiry, a debugger left on, missing security
// headers), and reports each with evidence and a fix.
//
// One file holds one family of checks: transport.go, headers.go, errors.go,
// cors.go, methods.go, authn.go, ratelimit.go, authz.go, injection.go and
// inventory.go. The engine (engine.go) loads or discovers the operations,
// prints its plan, and runs every family through one client (client.go) that
// never leaves the target's scheme, host and port and that honours the
// request budget and rate. Reports are written as text, JSON, SARIF 2.1.0 or
// self-contained HTML.
//
// Passive is the default: only safe methods (GET, HEAD, OPTIONS, TRACE) are
// sent, plus a bounded burst of failed logins for the rate-limit check, and
// forged tokens on read-only requests for the authentication checks. State
// changing requests and attack payloads (SQL injection, SSRF, mass
// assignment) need Options.Active.
package scan
