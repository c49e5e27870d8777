// Package authz authorizes authenticated requests. A route's rule is stated
// as a Spec (roles, scopes, a CEL expression, or an explicit "any
// authenticated identity"), compiled once with Compile when the
// configuration is loaded, and checked per request by Policy.Decide or by
// the Middleware that wraps it.
//
// Authorization is deny-by-default: an empty Spec does not compile, a
// request without an identity is refused, and every failure to evaluate a
// rule (a missing map key, a value of the wrong type, the cost limit) denies.
//
// # CEL expressions
//
// A Spec's CEL expression sees two variables whose fields are declared with
// their types, so that a misspelt field (identity.scopez) or a comparison of
// the wrong type (request.method == 1) is an error at Compile, not at the
// first request. The expression must have type bool.
//
//	identity.subject    string              the stable identifier of the user or client
//	identity.username   string              the human-readable name, "" when none
//	identity.roles      list(string)        the user's roles
//	identity.scopes     list(string)        the scopes the credential carries
//	identity.method     string              how it authenticated: "jwt", "api_key", "basic", ...
//	identity.client_id  string              the OAuth client the credential was issued to, "" when none
//	identity.claims     map(string, dyn)    the raw token claims, empty for other credentials
//
//	request.method      string              the HTTP method, e.g. "GET"
//	request.path        string              the decoded URL path, dot segments resolved, e.g. "/v1/users/42"
//	request.host        string              the Host the client sent, lower-cased, port included when sent
//	request.headers     map(string, string) header names lower-cased, first value only
//	request.query       map(string, string) query parameters, first value only
//	request.remote_ip   string              the client IP the gateway decided (clientip.FromContext), "" when unset
//
// request.headers never holds the credential-bearing headers Authorization,
// Proxy-Authorization, Cookie and X-Api-Key: a policy decides on the verified
// identity, not on raw credentials, and error text that may reach a log
// cannot quote them. A request whose query string does not parse is denied
// when the expression reads request.query. Multiple values of a header or
// query parameter are reduced to the first; an upstream that reads the last
// one instead can disagree with the policy, so prefer identity fields and
// the path for decisions that matter.
//
// Besides the CEL standard library the environment offers optional values,
// cel.bind, and the strings, sets and network extensions of cel-go:
//
//	request.headers[?'x-tenant'].orValue('none') == 'none'
//	sets.intersects(identity.roles, ['admin', 'ops'])
//	cidr('10.0.0.0/8').containsIP(ip(request.remote_ip))
//	cel.bind(seg, request.path.split('/'), seg.size() > 3 && seg[3] == identity.subject)
//
// Reading a key that is absent (request.headers['x-tenant'] when the header
// was not sent) is an evaluation error, which denies; test with `in` or use
// an optional index where absence is expected. The pattern of matches must
// be a string literal, so that the client cannot choose it.
//
// # Limits
//
// An expression is refused at Compile when it is longer than 4096 code
// points, nests deeper than 32 levels, has more than 2000 nodes, nests
// comprehensions (all, exists, map, filter, ...) more than two deep, uses a
// regular expression literal whose program is larger than 1000 instructions,
// or when its estimated worst-case cost exceeds 20000 units (a unit is about
// one operation: a comparison, a field read, ten bytes of a string scanned).
// The estimate assumes inputs within these bounds: at most 64 roles, scopes
// and claims, 128 headers and query parameters, 8 KiB per path, header or
// parameter value, 1 KiB per identity string or claim value. At evaluation
// the same 20000-unit budget is enforced on the actual inputs, larger ones
// included, and a request that exceeds it is denied. A nested loop over two
// input lists (identity.roles.exists(r, identity.scopes.exists(...))) is over
// budget; sets.intersects does the same in linear time.
package authz
