// Package gateway assembles rampart's request path: it matches a request to
// a route and runs the route's chain (security headers, body limit,
// authentication, authorization, upstream proxy).
package gateway
