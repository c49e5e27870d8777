package oauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func testSealer(now time.Time) *flowSealer {
	return &flowSealer{key: []byte("0123456789abcdef0123456789abcdef"), now: func() time.Time { return now }}
}

func TestFlowTokenRefusals(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	f := testSealer(now)
	csrf := strings.Repeat("A", csrfTokenLen)
	st := &flowState{Stage: stageConsent, Query: "client_id=c&response_type=code", ClientID: "c", RedirectURI: "https://c.example/cb",
		CSRF: csrfBinding(csrf), RequestedAt: now.Unix(), Expires: now.Add(time.Minute).Unix(), Subject: "u_1", AuthTime: now.Unix()}
	tok, err := f.seal(st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.open(tok, stageConsent, csrf)
	if err != nil || *got != *st {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	parts := strings.Split(tok, ".")
	reseal := func(edit func(*flowState)) string {
		c := *st
		edit(&c)
		s, _ := f.seal(&c)
		return s
	}
	forged := func(payload string) string {
		return "v1." + payload + "." + parts[2]
	}
	edited := *st
	edited.Subject = "u_admin"
	b, _ := json.Marshal(edited)
	other := &flowSealer{key: []byte("another key, another deployment!"), now: f.now}
	otherTok, _ := other.seal(st)

	cases := []struct {
		name, tok, stage, csrf string
		want                   error
	}{
		{"edited subject", forged(base64.RawURLEncoding.EncodeToString(b)), stageConsent, csrf, errFlowInvalid},
		{"signed with another key", otherTok, stageConsent, csrf, errFlowInvalid},
		{"other browser", tok, stageConsent, strings.Repeat("B", csrfTokenLen), errFlowInvalid},
		{"no cookie", tok, stageConsent, "", errFlowInvalid},
		{"wrong stage", tok, stageLogin, csrf, errFlowInvalid},
		{"expired", reseal(func(s *flowState) { s.Expires = now.Unix() }), stageConsent, csrf, errFlowExpired},
		{"consent without subject", reseal(func(s *flowState) { s.Subject = "" }), stageConsent, csrf, errFlowInvalid},
		{"no query", reseal(func(s *flowState) { s.Query = "" }), stageConsent, csrf, errFlowInvalid},
		{"unknown field", forged(base64.RawURLEncoding.EncodeToString([]byte(`{"stg":"consent","x":1}`))), stageConsent, csrf, errFlowInvalid},
		{"other version", "v2." + parts[1] + "." + parts[2], stageConsent, csrf, errFlowInvalid},
		{"padded signature", tok + "=", stageConsent, csrf, errFlowInvalid},
		{"truncated", tok[:len(tok)-1], stageConsent, csrf, errFlowInvalid},
		{"two parts", parts[0] + "." + parts[1], stageConsent, csrf, errFlowInvalid},
		{"empty", "", stageConsent, csrf, errFlowInvalid},
		{"huge", "v1." + strings.Repeat("A", maxFlowToken) + "." + parts[2], stageConsent, csrf, errFlowInvalid},
	}
	for _, tc := range cases {
		if _, err := f.open(tc.tok, tc.stage, tc.csrf); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestCSRFCookieNaming(t *testing.T) {
	for _, tc := range []struct {
		issuer     string
		name, path string
		secure     bool
	}{
		{"https://auth.example.com", "__Host-rampart-csrf", "/", true},
		{"https://auth.example.com/rampart", "__Host-rampart-csrf", "/", true},
		{"http://127.0.0.1:8080", "rampart-csrf", "/oauth2/", false},
		{"http://127.0.0.1:8080/rampart/", "rampart-csrf", "/rampart/oauth2/", false},
	} {
		c := newCSRFCookie(tc.issuer)
		if c.name != tc.name || c.path != tc.path || c.secure != tc.secure {
			t.Errorf("%s: %+v", tc.issuer, c)
		}
	}
}

func TestFormTarget(t *testing.T) {
	for raw, want := range map[string]string{
		"https://client.example.com/cb?x=1": "https://client.example.com",
		"http://127.0.0.1:49152/callback":   "http://127.0.0.1:49152",
		"http://[::1]:8080/cb":              "http://[::1]:8080",
		"com.example.app:/oauth":            "com.example.app:",
		"https://client.example.com;x/cb":   "",
		"https://a.example.com'unsafe'/cb":  "",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got := formTarget(u); got != want {
			t.Errorf("formTarget(%s) = %q, want %q", raw, got, want)
		}
	}
}

// FuzzOpenFlowToken feeds open untrusted tokens: it must never panic, and
// nothing but a token it sealed may open.
func FuzzOpenFlowToken(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	s := testSealer(now)
	csrf := strings.Repeat("A", csrfTokenLen)
	valid, _ := s.seal(&flowState{Stage: stageLogin, Query: "client_id=c", ClientID: "c", RedirectURI: "https://c.example/cb",
		CSRF: csrfBinding(csrf), RequestedAt: now.Unix(), Expires: now.Add(time.Minute).Unix()})
	for _, seed := range []string{valid, "", "v1..", "v1.e30.", "v1.e30.AAAA", valid + ".x", strings.ToUpper(valid), "v1." + strings.Repeat("A", 100)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		st, err := s.open(tok, stageLogin, csrf)
		if err == nil && tok != valid {
			if again, _ := s.seal(st); again != tok {
				t.Fatalf("opened a token it did not seal: %q", tok)
			}
		}
	})
}
