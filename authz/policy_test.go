package authz_test

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
)

// mustCompile compiles s or stops the test.
func mustCompile(t testing.TB, s authz.Spec) *authz.Policy {
	t.Helper()
	p, err := authz.Compile(s)
	if err != nil {
		t.Fatalf("Compile(%+v): %v", s, err)
	}
	return p
}

// checkDecision compares a decision with the wanted outcome and reason.
func checkDecision(t *testing.T, got authz.Decision, allow bool, reason string) {
	t.Helper()
	if got.Allow != allow || got.Reason != reason {
		t.Errorf("decision = {Allow: %v, Reason: %q}, want {Allow: %v, Reason: %q}", got.Allow, got.Reason, allow, reason)
	}
}

func TestCompileSpecErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec authz.Spec
		want string
	}{
		{"empty spec", authz.Spec{}, "authz: empty spec: state roles, all_roles, scopes or cel, or set allow_authenticated"},
		{"empty lists", authz.Spec{Roles: []string{}, Scopes: []string{}}, "authz: empty spec: state roles, all_roles, scopes or cel, or set allow_authenticated"},
		{
			"allow authenticated with roles", authz.Spec{AllowAuthenticated: true, Roles: []string{"admin"}},
			`authz: allow_authenticated cannot be combined with roles, all_roles, scopes or cel: it would read as "or" but every rule already requires an identity`,
		},
		{"empty role", authz.Spec{Roles: []string{"admin", ""}}, "authz: roles[1] is empty"},
		{"blank all role", authz.Spec{AllRoles: []string{"  "}}, "authz: all_roles[0] is empty"},
		{"padded role", authz.Spec{Roles: []string{"admin "}}, `authz: roles[0] "admin " has leading or trailing white space`},
		{
			"scopes as one string", authz.Spec{Scopes: []string{"data:read data:write"}},
			`authz: scopes[0] "data:read data:write" contains white space: list each scope separately`,
		},
		{
			"every problem at once", authz.Spec{Roles: []string{""}, Scopes: []string{"a b"}, CEL: "identity.scopez"},
			"authz: roles[0] is empty\n" +
				`authz: scopes[0] "a b" contains white space: list each scope separately` + "\n" +
				"authz: cel:1:9: undefined field 'scopez'\n | identity.scopez\n | ........^",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := authz.Compile(tt.spec)
			if err == nil {
				t.Fatalf("Compile succeeded (%v), want error %q", p, tt.want)
			}
			if p != nil {
				t.Errorf("Compile returned a policy with its error")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestCompileEmptySpecIsSentinel(t *testing.T) {
	t.Parallel()
	if _, err := authz.Compile(authz.Spec{}); !errors.Is(err, authz.ErrEmptySpec) {
		t.Fatalf("Compile(Spec{}) = %v, want ErrEmptySpec", err)
	}
}

func TestDecideRolesAndScopes(t *testing.T) {
	t.Parallel()
	admin := &authn.Identity{Subject: "usr_1", Roles: []string{"admin"}, Scopes: []string{"data:read"}}
	ops := &authn.Identity{Subject: "usr_2", Roles: []string{"ops", "reader"}, Scopes: []string{"data:read", "data:write"}}
	reader := &authn.Identity{Subject: "usr_3", Roles: []string{"reader"}}
	nobody := &authn.Identity{Subject: "usr_4"}
	// An identity whose role is named like a scope: roles never satisfy scopes.
	confused := &authn.Identity{Subject: "usr_5", Roles: []string{"data:write", "Admin"}}

	tests := []struct {
		name   string
		spec   authz.Spec
		id     *authn.Identity
		allow  bool
		reason string
	}{
		{"authenticated allows anyone", authz.Spec{AllowAuthenticated: true}, nobody, true, "allowed"},
		{"authenticated refuses no identity", authz.Spec{AllowAuthenticated: true}, nil, false, "no identity"},
		{"any role: first", authz.Spec{Roles: []string{"admin", "ops"}}, admin, true, "allowed"},
		{"any role: second", authz.Spec{Roles: []string{"admin", "ops"}}, ops, true, "allowed"},
		{"any role: none", authz.Spec{Roles: []string{"admin", "ops"}}, reader, false, `missing role: none of "admin", "ops"`},
		{"single role", authz.Spec{Roles: []string{"admin"}}, reader, false, `missing role "admin"`},
		{"roles are case-sensitive", authz.Spec{Roles: []string{"admin"}}, confused, false, `missing role "admin"`},
		{"roles: no identity", authz.Spec{Roles: []string{"admin"}}, nil, false, "no identity"},
		{"all roles held", authz.Spec{AllRoles: []string{"ops", "reader"}}, ops, true, "allowed"},
		{"all roles: one missing", authz.Spec{AllRoles: []string{"reader", "ops"}}, reader, false, `missing role "ops"`},
		{"scopes: all held", authz.Spec{Scopes: []string{"data:read", "data:write"}}, ops, true, "allowed"},
		{"scopes: one missing", authz.Spec{Scopes: []string{"data:read", "data:write"}}, admin, false, `missing scope "data:write"`},
		{"scopes: none held", authz.Spec{Scopes: []string{"data:read"}}, nobody, false, `missing scope "data:read"`},
		{"a role is not a scope", authz.Spec{Scopes: []string{"data:write"}}, confused, false, `missing scope "data:write"`},
		{"roles and scopes: both hold", authz.Spec{Roles: []string{"ops"}, Scopes: []string{"data:write"}}, ops, true, "allowed"},
		{"roles and scopes: role fails", authz.Spec{Roles: []string{"ops"}, Scopes: []string{"data:read"}}, admin, false, `missing role "ops"`},
		{"roles and scopes: scope fails", authz.Spec{Roles: []string{"admin"}, Scopes: []string{"data:write"}}, admin, false, `missing scope "data:write"`},
	}
	r := httptest.NewRequest("GET", "/v1/data", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := mustCompile(t, tt.spec)
			checkDecision(t, p.Decide(tt.id, r), tt.allow, tt.reason)
		})
	}
}

func TestDecideNeedsNoRequestWithoutCEL(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, authz.Spec{Scopes: []string{"a"}})
	checkDecision(t, p.Decide(&authn.Identity{Scopes: []string{"a"}}, nil), true, "allowed")
}

func TestPolicyIgnoresLaterSpecChanges(t *testing.T) {
	t.Parallel()
	roles := []string{"admin"}
	p := mustCompile(t, authz.Spec{Roles: roles})
	roles[0] = "reader" // a caller reusing its slice must not widen the policy
	checkDecision(t, p.Decide(&authn.Identity{Roles: []string{"reader"}}, nil), false, `missing role "admin"`)
}

func TestZeroPolicyDenies(t *testing.T) {
	t.Parallel()
	var zero authz.Policy
	checkDecision(t, zero.Decide(&authn.Identity{Subject: "usr_1"}, nil), false, "no rule: the policy was not compiled")
	var nilPolicy *authz.Policy
	checkDecision(t, nilPolicy.Decide(&authn.Identity{Subject: "usr_1"}, nil), false, "no rule: the policy was not compiled")
}
