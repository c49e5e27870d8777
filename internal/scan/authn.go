package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// authnCheck tests authentication: every operation without credentials and
// with a garbage token, guessable static tokens, and (with --auth holding a
// JWT) the token's weaknesses, offline and with forged tokens sent on a
// read-only request.
type authnCheck struct{}

func (authnCheck) Name() string { return "authn" }

func ruleNoCredentials() Rule {
	return newRule("authn-no-credentials", "Operation answered without credentials", SeverityHigh, API2Authentication, 306,
		"Authenticate every operation the description marks as secured; deny by default at one place (a gateway or middleware) rather than in each handler.")
}

func ruleGarbageToken() Rule {
	return newRule("authn-garbage-token", "Operation answered with a garbage token", SeverityHigh, API2Authentication, 287,
		"Verify the token (signature, issuer, audience, expiry) instead of only checking that an Authorization header is present.")
}

func ruleStaticToken() Rule {
	return newRule("authn-static-token", "Guessable hard-coded static token accepted", SeverityHigh, API2Authentication, 798,
		"Remove the hard-coded token. Issue per-client API keys or OAuth tokens with 256 random bits, store only their hashes, and compare in constant time.")
}

func ruleAlgNone() Rule {
	return newRule("authn-jwt-alg-none", "JWT with alg \"none\" accepted", SeverityHigh, API2Authentication, 347,
		"Pin the accepted algorithms when verifying (PyJWT: algorithms=[\"RS256\"]; golang-jwt: jwt.WithValidMethods) and never accept \"none\".")
}

func ruleSigNotVerified() Rule {
	return newRule("authn-jwt-signature-not-verified", "JWT signature not verified (tampered token accepted)", SeverityHigh, API2Authentication, 347,
		"Verify the signature of every token before reading its claims (PyJWT: never options={\"verify_signature\": False}).")
}

func ruleWeakSecret() Rule {
	return newRule("authn-jwt-weak-secret", "JWT signed with a guessable HMAC secret", SeverityHigh, API2Authentication, 1391,
		"Sign with a random secret of at least 256 bits kept in a secret manager, or better an asymmetric key (ES256/EdDSA) whose private half never leaves the issuer; then rotate, since every token signed so far can be forged.")
}

func ruleNoExp() Rule {
	return newRule("authn-jwt-no-exp", "JWT without expiry (exp)", SeverityMedium, API2Authentication, 613,
		"Issue access tokens with a short exp (minutes) and require exp when verifying (PyJWT: options={\"require\": [\"exp\"]}; golang-jwt: jwt.WithExpirationRequired).")
}

func ruleExpiredAccepted() Rule {
	return newRule("authn-jwt-expired-accepted", "Expired JWT accepted", SeverityHigh, API2Authentication, 613,
		"Check exp on every request (with at most a minute of leeway).")
}

func ruleKeyConfusion() Rule {
	return newRule("authn-jwt-key-confusion", "JWT algorithm confusion: HMAC token signed with the published public key accepted", SeverityHigh, API2Authentication, 347,
		"Pin the algorithm to the key's type; never let the token's alg header choose between HMAC and RSA/ECDSA verification.")
}

func ruleKidInjection() Rule {
	return newRule("authn-jwt-kid-injection", "JWT kid header used to pick the key unsafely", SeverityHigh, API2Authentication, 20,
		"Look kid up in a fixed key set; never use it as a file path or in a query.")
}

func (authnCheck) Rules() []Rule {
	return []Rule{ruleNoCredentials(), ruleGarbageToken(), ruleStaticToken(), ruleAlgNone(), ruleSigNotVerified(),
		ruleWeakSecret(), ruleNoExp(), ruleExpiredAccepted(), ruleKeyConfusion(), ruleKidInjection()}
}

func (c authnCheck) Run(ctx context.Context, s *session) ([]Finding, error) {
	var out []Finding
	scheme := "Bearer "
	j, isJWT := parseSuppliedJWT(s.opts.Auth)
	if isJWT {
		scheme = j.prefix
	}
	garbage := scheme + "rampart-scan-garbage-token"
	var anonDenied []Operation // protected operations that refused anonymous requests
	for _, op := range s.ops {
		if op.Method != http.MethodGet && !s.opts.Active {
			continue
		}
		anon := s.anon(op)
		if anon == nil && op.Secured {
			ex, err := s.c.do(ctx, c.Name(), probe{method: op.Method, path: op.target(nil), body: op.Body, noExtra: true})
			if err != nil {
				return out, err
			}
			anon = ex
		}
		if anon == nil {
			continue
		}
		if op.Secured && anon.ok() {
			out = append(out, newFinding(ruleNoCredentials(), anon.location(), fmt.Sprintf("The description requires credentials for %s but it answered %d without any.", op.key(), anon.status), anon.evidence()))
			continue
		}
		if !anon.denied() {
			// Not refused (404, 400, 500, or an unsecured operation answering):
			// a token cannot be judged against it.
			continue
		}
		anonDenied = append(anonDenied, op)
		ex, err := s.c.do(ctx, c.Name(), probe{method: op.Method, path: op.target(nil), body: op.Body, header: authHeader(garbage), noExtra: true})
		if err != nil {
			return out, err
		}
		if ex.ok() {
			out = append(out, newFinding(ruleGarbageToken(), ex.location(), fmt.Sprintf("%s refuses anonymous requests but answered %d to the made-up token %q.", op.key(), ex.status, garbage), ex.evidence()))
		}
	}
	fs, err := c.staticTokens(ctx, s, anonDenied)
	out = append(out, fs...)
	if err != nil {
		return out, err
	}
	if !isJWT {
		return out, nil
	}
	fs, err = c.jwtChecks(ctx, s, j)
	return append(out, fs...), err
}

// staticTokens sends the guessable tokens to the first GET operation that
// refused anonymous requests; it stops at the first one accepted.
func (c authnCheck) staticTokens(ctx context.Context, s *session, denied []Operation) ([]Finding, error) {
	if s.opts.Auth != "" {
		supplied := strings.TrimSpace(s.opts.Auth)
		if _, rest, ok := strings.Cut(supplied, " "); ok {
			supplied = rest
		}
		for _, t := range staticTokens() {
			if supplied == t {
				return []Finding{newFinding(ruleStaticToken(), "--auth", fmt.Sprintf("The token supplied with --auth is %q, a well-known sample token.", t), Evidence{Request: "offline: the --auth value"})}, nil
			}
		}
	}
	var op *Operation
	for i := range denied {
		if denied[i].Method == http.MethodGet {
			op = &denied[i]
			break
		}
	}
	if op == nil {
		return nil, nil
	}
	for _, t := range staticTokens() {
		for _, v := range []string{"Bearer " + t, t} {
			ex, err := s.c.do(ctx, c.Name(), probe{method: op.Method, path: op.target(nil), header: authHeader(v), noExtra: true})
			if err != nil {
				return nil, err
			}
			if ex.ok() {
				return []Finding{newFinding(ruleStaticToken(), ex.location(), fmt.Sprintf("%s refuses anonymous requests but accepted the guessable token %q.", op.key(), t), ex.evidence())}, nil
			}
		}
	}
	return nil, nil
}

// jwtChecks runs the offline checks on j, the --auth JWT, and sends forged
// tokens to an operation that accepts it.
func (c authnCheck) jwtChecks(ctx context.Context, s *session, j *suppliedJWT) ([]Finding, error) {
	var out []Finding
	offline := Evidence{Request: "offline: the JWT supplied with --auth", Response: j.describe()}
	exp, hasExp := j.expiry()
	if !hasExp {
		out = append(out, newFinding(ruleNoExp(), "--auth token", "The token has no exp claim: once leaked it works forever.", offline))
	}
	secret, cracked := j.crack(jwtSecrets())
	if cracked {
		out = append(out, newFinding(ruleWeakSecret(), "--auth token", fmt.Sprintf("The %s signature verifies with the secret %q from rampart's list of common secrets: anyone can mint tokens for any user.", j.alg, secret), offline))
	}
	probeOp, ok := s.acceptingOp()
	if !ok {
		s.note("authn: no GET operation refused anonymous requests and accepted --auth; forged-token checks skipped")
		return out, nil
	}
	found := map[string]bool{} // rules already reported
	if hasExp && s.opts.Now().After(exp) {
		ex := s.authed(probeOp)
		found[ruleExpiredAccepted().ID] = true
		out = append(out, newFinding(ruleExpiredAccepted(), ex.location(), fmt.Sprintf("The --auth token expired at %s and was still accepted.", exp.UTC().Format("2006-01-02 15:04:05Z")), ex.evidence()))
	}
	type forgery struct {
		rule   Rule
		detail string
		make   func() (string, error)
	}
	forgeries := []forgery{
		{ruleAlgNone(), "A copy of the token with alg \"none\" and no signature was accepted.", j.forgeNone},
		{ruleSigNotVerified(), "A copy of the token with an added claim and the original signature was accepted.", j.forgeTampered},
		{ruleKidInjection(), "An HS256 token whose kid points at /dev/null, signed with an empty key, was accepted.", func() (string, error) {
			return forgeHMAC(hmacMethod(j.alg), j.copyClaims(), []byte{}, map[string]any{"kid": "../../../../../../../../dev/null"})
		}},
	}
	if s.opts.Active {
		forgeries = append(forgeries, forgery{ruleKidInjection(), "An HS256 token whose kid is an SQL injection selecting a known key was accepted.", func() (string, error) {
			return forgeHMAC(hmacMethod(j.alg), j.copyClaims(), []byte("rampart-scan"), map[string]any{"kid": "x' UNION SELECT 'rampart-scan' -- "})
		}})
	}
	if cracked {
		forgeries = append(forgeries, forgery{ruleExpiredAccepted(), "A token re-signed with the cracked secret and expired an hour ago was accepted.", func() (string, error) {
			return j.forgeExpired(secret, s.opts.Now())
		}})
	}
	if j.asymmetric() {
		keys, err := c.publishedKeys(ctx, s)
		if errors.Is(err, ErrBudget) {
			return out, err
		}
		if len(keys) > 3 {
			keys = keys[:3]
		}
		for _, k := range keys {
			for _, form := range k.forms {
				key := form
				forgeries = append(forgeries, forgery{ruleKeyConfusion(), fmt.Sprintf("An HS256 token signed with the published public key (kid %q) as the HMAC secret was accepted.", k.kid), func() (string, error) {
					return forgeHMAC(hmacMethod(j.alg), j.copyClaims(), key, map[string]any{"kid": k.kid})
				}})
			}
		}
	}
	for _, f := range forgeries {
		if found[f.rule.ID] {
			continue
		}
		tok, err := f.make()
		if err != nil {
			s.note("authn: forging a token for %s: %v", f.rule.ID, err)
			continue
		}
		ex, err := s.c.do(ctx, c.Name(), probe{method: http.MethodGet, path: probeOp.target(nil), header: authHeader(j.authValue(tok)), noExtra: true})
		if err != nil {
			return out, err
		}
		if ex.ok() {
			found[f.rule.ID] = true
			ev := ex.evidence()
			ev.Request += "\n\n(forged token header: " + jwtHeader(tok) + ")"
			out = append(out, newFinding(f.rule, ex.location(), f.detail, ev))
		}
	}
	return out, nil
}

// acceptingOp returns a GET operation that refused the anonymous request
// and accepted --auth: the place to test forged tokens.
func (s *session) acceptingOp() (Operation, bool) {
	for _, op := range s.ops {
		anon, auth := s.anon(op), s.authed(op)
		if op.Method == http.MethodGet && anon != nil && auth != nil && anon.denied() && auth.ok() {
			return op, true
		}
	}
	return Operation{}, false
}

// publishedKeys fetches the target's JWKS from the usual places (same origin
// only).
func (c authnCheck) publishedKeys(ctx context.Context, s *session) ([]publishedKey, error) {
	paths := []string{"/.well-known/jwks.json", "/jwks.json"}
	if ex, err := s.c.do(ctx, c.Name(), probe{method: http.MethodGet, path: "/.well-known/openid-configuration"}); err != nil {
		return nil, err
	} else if ex.ok() {
		var d struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if json.Unmarshal(ex.body, &d) == nil && d.JWKSURI != "" {
			if u, err := s.target.Parse(d.JWKSURI); err == nil && sameOrigin(s.target, u) {
				paths = append([]string{u.RequestURI()}, paths...)
			}
		}
	}
	for _, p := range paths {
		ex, err := s.c.do(ctx, c.Name(), probe{method: http.MethodGet, path: p})
		if err != nil {
			return nil, err
		}
		if !ex.ok() {
			continue
		}
		if keys, err := parseJWKS(ex.body); err == nil {
			return keys, nil
		}
	}
	return nil, nil
}
