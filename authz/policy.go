package authz

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/rampart-sec/rampart/authn"
)

// ErrEmptySpec is returned by Compile for a Spec that states no rule.
// Authorization is deny-by-default: a route that admits any authenticated
// identity must say so with Spec.AllowAuthenticated.
var ErrEmptySpec = errors.New("authz: empty spec: state roles, all_roles, scopes or cel, or set allow_authenticated")

// Spec is the authorization rule a route's configuration states. Every part
// that is set must hold (AND). Its zero value states no rule and does not
// compile (ErrEmptySpec).
type Spec struct {
	// AllowAuthenticated admits any authenticated identity. It cannot be
	// combined with the other fields, which already require an identity;
	// false (the zero value) admits no one on its own.
	AllowAuthenticated bool `json:"allow_authenticated,omitempty" yaml:"allow_authenticated,omitempty"`

	// Roles requires the identity to hold at least one of these roles (any
	// of). Nil or empty requires none.
	Roles []string `json:"roles,omitempty" yaml:"roles,omitempty"`

	// AllRoles requires the identity to hold every one of these roles. Nil or
	// empty requires none.
	AllRoles []string `json:"all_roles,omitempty" yaml:"all_roles,omitempty"`

	// Scopes requires the credential to carry every one of these scopes
	// (all of). Nil or empty requires none.
	Scopes []string `json:"scopes,omitempty" yaml:"scopes,omitempty"`

	// CEL is a CEL expression of type bool over identity and request (see the
	// package documentation) that must evaluate to true. "" requires nothing.
	CEL string `json:"cel,omitempty" yaml:"cel,omitempty"`
}

// Decision is the outcome of a policy check.
type Decision struct {
	// Allow reports whether the request may proceed.
	Allow bool
	// Reason says why, for logs and the audit trail: "allowed",
	// `missing scope "data:write"`, "cel: expression false", "no identity",
	// or "cel: " followed by an evaluation error. It may quote request data,
	// so it is never sent to the client.
	Reason string
}

// The reasons a Decision gives that do not depend on the policy.
const (
	reasonAllowed    = "allowed"
	reasonNoIdentity = "no identity"
	reasonNoRequest  = "cel: no request to evaluate"
	reasonCELFalse   = "cel: expression false"
)

// Policy is an immutable, compiled authorization rule. It is safe for
// concurrent use. Its zero value denies every request; build one with
// Compile.
type Policy struct {
	authenticated bool // AllowAuthenticated: the only rule

	anyRoles      []string
	anyRoleReason string

	allRoles       []string
	allRoleReasons []string // parallel to allRoles

	scopes       []string
	scopeReasons []string // parallel to scopes

	cel *celRule // nil when the Spec has no expression
}

// Compile validates s and compiles it into a Policy. It reports every
// problem of s at once, joined; a CEL error names the line and column and
// quotes the offending line. An empty Spec returns ErrEmptySpec. Compile is
// meant for configuration load: it is safe for concurrent use, but calls
// that compile CEL run one at a time.
func Compile(s Spec) (*Policy, error) {
	hasRule := len(s.Roles) > 0 || len(s.AllRoles) > 0 || len(s.Scopes) > 0 || s.CEL != ""
	if !hasRule && !s.AllowAuthenticated {
		return nil, ErrEmptySpec
	}
	var errs []error
	if hasRule && s.AllowAuthenticated {
		errs = append(errs, errors.New("authz: allow_authenticated cannot be combined with roles, all_roles, scopes or cel: it would read as \"or\" but every rule already requires an identity"))
	}
	errs = append(errs, checkNames("roles", s.Roles, false)...)
	errs = append(errs, checkNames("all_roles", s.AllRoles, false)...)
	errs = append(errs, checkNames("scopes", s.Scopes, true)...)

	p := &Policy{authenticated: s.AllowAuthenticated}
	if s.CEL != "" {
		rule, err := compileCEL(s.CEL)
		if err != nil {
			errs = append(errs, err)
		}
		p.cel = rule
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	if len(s.Roles) > 0 {
		p.anyRoles = clone(s.Roles)
		if len(s.Roles) == 1 {
			p.anyRoleReason = "missing role " + strconv.Quote(s.Roles[0])
		} else {
			p.anyRoleReason = "missing role: none of " + quoteList(s.Roles)
		}
	}
	p.allRoles = clone(s.AllRoles)
	for _, r := range p.allRoles {
		p.allRoleReasons = append(p.allRoleReasons, "missing role "+strconv.Quote(r))
	}
	p.scopes = clone(s.Scopes)
	for _, sc := range p.scopes {
		p.scopeReasons = append(p.scopeReasons, "missing scope "+strconv.Quote(sc))
	}
	return p, nil
}

// Decide checks the policy against an authenticated identity and the request
// it made: roles, then all roles, then scopes, then the CEL expression, and
// the reason of a denial names the first that failed. A nil id is denied
// ("no identity"). r is read only by a CEL expression; with one, a nil r is
// denied.
func (p *Policy) Decide(id *authn.Identity, r *http.Request) Decision {
	if id == nil {
		return Decision{Reason: reasonNoIdentity}
	}
	if p == nil || (!p.authenticated && len(p.anyRoles) == 0 && len(p.allRoles) == 0 && len(p.scopes) == 0 && p.cel == nil) {
		return Decision{Reason: "no rule: the policy was not compiled"}
	}
	if len(p.anyRoles) > 0 && !hasAnyRole(id, p.anyRoles) {
		return Decision{Reason: p.anyRoleReason}
	}
	for i, role := range p.allRoles {
		if !id.HasRole(role) {
			return Decision{Reason: p.allRoleReasons[i]}
		}
	}
	for i, scope := range p.scopes {
		if !id.HasScope(scope) {
			return Decision{Reason: p.scopeReasons[i]}
		}
	}
	if p.cel != nil {
		if r == nil {
			return Decision{Reason: reasonNoRequest}
		}
		return p.cel.decide(id, r)
	}
	return Decision{Allow: true, Reason: reasonAllowed}
}

func hasAnyRole(id *authn.Identity, roles []string) bool {
	for _, r := range roles {
		if id.HasRole(r) {
			return true
		}
	}
	return false
}

// checkNames reports the empty or malformed entries of a role or scope list.
// A scope may not contain white space at all (RFC 6749 §3.3), which catches a
// space-separated list given as one string.
func checkNames(field string, names []string, scope bool) []error {
	var errs []error
	for i, n := range names {
		switch {
		case strings.TrimSpace(n) == "":
			errs = append(errs, fmt.Errorf("authz: %s[%d] is empty", field, i))
		case scope && strings.IndexFunc(n, unicode.IsSpace) >= 0:
			errs = append(errs, fmt.Errorf("authz: %s[%d] %q contains white space: list each scope separately", field, i, n))
		case strings.TrimSpace(n) != n:
			errs = append(errs, fmt.Errorf("authz: %s[%d] %q has leading or trailing white space", field, i, n))
		}
	}
	return errs
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

func clone(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	return append([]string(nil), ss...)
}
