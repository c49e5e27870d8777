package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestClientCLI(t *testing.T) {
	backends(t, func(t *testing.T) {
		var c struct {
			clientJSON
			ClientSecret string `json:"client_secret"`
		}
		out := must(t, "", "client", "create", "--name", "billing", "--grant", "client_credentials", "--scope", "data:read data:write", "--json")
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.ClientID, "rc_") || len(c.ClientSecret) != 43 || strings.Join(c.Scopes, " ") != "data:read data:write" {
			t.Fatalf("create --json = %s", out)
		}
		if list := must(t, "", "client", "list", "--json"); strings.Contains(list, c.ClientSecret) || !strings.Contains(list, c.ClientID) {
			t.Fatalf("list --json = %s", list)
		}
		out = must(t, "", "client", "create", "--name", "web", "--public", "--grant", "authorization_code", "--grant", "refresh_token",
			"--redirect-uri", "http://127.0.0.1:8400/cb")
		if strings.Contains(out, "client_secret") {
			t.Fatalf("a public client got a secret: %s", out)
		}
		rot := must(t, "", "client", "rotate-secret", c.ClientID, "--json")
		var r map[string]string
		json.Unmarshal([]byte(rot), &r)
		if len(r["client_secret"]) != 43 || r["client_secret"] == c.ClientSecret {
			t.Fatalf("rotate-secret = %s", rot)
		}
		show := must(t, "", "client", "show", c.ClientID)
		if !strings.Contains(show, "secret rotated:") || strings.Contains(show, "secret rotated: -") {
			t.Fatalf("show after rotation: %s", show)
		}
		must(t, "", "client", "delete", c.ClientID)
		fails(t, 1, "", []string{"client", "show", c.ClientID}, "not found")

		// Registrations that break the rules, each refused with a reason.
		for _, tc := range []struct {
			args []string
			msg  string
		}{
			{[]string{"--name", "x", "--grant", "implicit"}, "OAuth 2.1 removed it"},
			{[]string{"--name", "x", "--grant", "password"}, "OAuth 2.1 removed it"},
			{[]string{"--name", "x", "--grant", "authorization_code"}, "needs at least one --redirect-uri"},
			{[]string{"--name", "x", "--grant", "authorization_code", "--redirect-uri", "http://evil.example.com/cb"}, "plain http is allowed only to a loopback host"},
			{[]string{"--name", "x", "--grant", "authorization_code", "--redirect-uri", "https://app.example.com/*"}, "wildcards are not allowed"},
			{[]string{"--name", "x", "--grant", "authorization_code", "--redirect-uri", "https://app.example.com/cb#frag"}, "must not have a fragment"},
			{[]string{"--name", "x", "--public", "--grant", "client_credentials"}, "public client cannot use client_credentials"},
			{[]string{"--grant", "client_credentials"}, "--name is required"},
			{[]string{"--name", "x", "--grant", "client_credentials", "--redirect-uri", "https://a.example.com/cb"}, "only for clients with the authorization_code grant"},
		} {
			fails(t, 1, "", append([]string{"client", "create"}, tc.args...), tc.msg)
		}
	})
}

func TestKeysCLI(t *testing.T) {
	backends(t, func(t *testing.T) {
		var keys []struct {
			ID    string `json:"id"`
			Alg   string `json:"alg"`
			State string `json:"state"`
		}
		if err := json.Unmarshal([]byte(must(t, "", "keys", "list", "--json")), &keys); err != nil {
			t.Fatal(err)
		}
		if len(keys) != 1 || keys[0].State != "signing" || keys[0].Alg != "ES256" {
			t.Fatalf("first key = %+v", keys)
		}
		first := keys[0].ID
		t.Setenv("RAMPART_ISSUER_SIGNING_ALG", "EdDSA")
		out := must(t, "", "keys", "rotate")
		if !strings.Contains(out, "published EdDSA key") {
			t.Fatalf("rotate: %s", out)
		}
		keys = nil
		json.Unmarshal([]byte(must(t, "", "keys", "list", "--json")), &keys)
		states := map[string]string{}
		for _, k := range keys {
			states[k.ID] = k.State
		}
		if len(keys) != 2 || states[first] != "signing" {
			t.Fatalf("after rotate (overlap not over): %+v", keys)
		}
		for id, st := range states {
			if id != first && st != "next" {
				t.Fatalf("new key state %q, want next", st)
			}
		}
	})
}
