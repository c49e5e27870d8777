// Package secheaders puts security headers and a CORS policy on every HTTP
// response an API sends, whether a Go handler wrote it or a reverse proxy
// copied it from an upstream.
//
// [Middleware] applies a [Policy]: Content-Security-Policy, X-Frame-Options,
// Referrer-Policy, X-Content-Type-Options, Strict-Transport-Security (on
// HTTPS only), Cross-Origin-Opener-Policy, Cross-Origin-Resource-Policy,
// Permissions-Policy, Cache-Control: no-store on responses to credentialed
// requests, and the removal of version banners (Server, X-Powered-By, …).
// The zero Policy is the secure default; each relaxation is spelled out.
//
// [CORSMiddleware] applies a [CORS] policy with github.com/rs/cors, behind
// an origin matcher of its own that cannot reflect an origin that was not
// listed.
//
// # The policy wins
//
// Both middlewares wrap the ResponseWriter and act at the moment the status
// line is written (WriteHeader, the first Write or Flush, or the handler's
// return), so what they set replaces anything the downstream handler or an
// upstream behind [net/http/httputil.ReverseProxy] set before: an upstream's
// "X-Frame-Options: ALLOWALL" or "Access-Control-Allow-Origin: *" never
// reaches the client. [Policy.KeepUpstream] names the headers for which an
// upstream value is to be kept instead (a nonce-based CSP, say).
//
// Informational (1xx) responses pass through with the banners removed; the
// policy is applied to the final response only, even when a reverse proxy
// clears the header map after relaying 103 Early Hints. A connection taken
// over with Hijack (a WebSocket upgrade) is no longer HTTP and gets nothing.
//
// # Order in a chain
//
// Put [Middleware] outside [CORSMiddleware], so that the preflight responses
// CORS answers itself also carry the security headers:
//
//	h = secheaders.Middleware(policy)(corsMW(next))
//
// Header names are matched in their canonical form
// ([net/http.CanonicalHeaderKey]), the form net/http and ReverseProxy use.
package secheaders
