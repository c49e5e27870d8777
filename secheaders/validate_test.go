package secheaders_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/secheaders"
)

func TestPolicyValidateAccepts(t *testing.T) {
	t.Parallel()
	tests := map[string]secheaders.Policy{
		"zero":    {},
		"Default": secheaders.Default(),
		"all omitted": {
			ContentSecurityPolicy: secheaders.Omit, FrameOptions: secheaders.Omit, ReferrerPolicy: secheaders.Omit,
			ContentTypeOptions: secheaders.Omit, HSTS: secheaders.Omit, CrossOriginOpenerPolicy: secheaders.Omit,
			CrossOriginResourcePolicy: secheaders.Omit, PermissionsPolicy: secheaders.Omit,
			CacheControlOnCredentials: secheaders.Omit,
		},
		"overrides": {
			ContentSecurityPolicy:     "default-src 'self'; img-src https: data:; report-to csp",
			FrameOptions:              "sameorigin",
			ReferrerPolicy:            "no-referrer, strict-origin-when-cross-origin",
			ContentTypeOptions:        "nosniff",
			HSTS:                      `max-age="31536000"; includeSubDomains; preload`,
			CrossOriginOpenerPolicy:   `same-origin-allow-popups; report-to="coop"`,
			CrossOriginResourcePolicy: "same-site",
			PermissionsPolicy:         `geolocation=(self "https://maps.example.com"), camera=()`,
			CacheControlOnCredentials: "private, max-age=60, must-revalidate",
			StripHeaders:              []string{"X-Debug-Token"},
			KeepUpstream:              []string{"content-security-policy", "Server", "Cache-Control"},
		},
		"two CSPs":       {ContentSecurityPolicy: "default-src 'self', frame-ancestors 'none'"},
		"HSTS max-age 0": {HSTS: "max-age=0"},
	}
	for name, p := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := p.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestPolicyValidateRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy secheaders.Policy
		field  string // FieldError.Field
		reason string // in FieldError.Reason
	}{
		{"CRLF in CSP", secheaders.Policy{ContentSecurityPolicy: "default-src 'none'\r\nSet-Cookie: admin=1"}, "Policy.ContentSecurityPolicy", "CR or LF"},
		{"LF in X-Frame-Options", secheaders.Policy{FrameOptions: "DENY\nX-Evil: 1"}, "Policy.FrameOptions", "CR or LF"},
		{"CR in HSTS", secheaders.Policy{HSTS: "max-age=1\r"}, "Policy.HSTS", "CR or LF"},
		{"LF in Cache-Control", secheaders.Policy{CacheControlOnCredentials: "no-store\n"}, "Policy.CacheControlOnCredentials", "CR or LF"},
		{"NUL", secheaders.Policy{ReferrerPolicy: "no-referrer\x00"}, "Policy.ReferrerPolicy", "control character"},
		{"tab", secheaders.Policy{PermissionsPolicy: "camera=()\tx"}, "Policy.PermissionsPolicy", "control character"},
		{"non-ASCII", secheaders.Policy{ContentSecurityPolicy: "default-src 'nöne'"}, "Policy.ContentSecurityPolicy", "non-ASCII"},
		{"blank CSP", secheaders.Policy{ContentSecurityPolicy: "   "}, "Policy.ContentSecurityPolicy", "blank"},
		{"surrounding space", secheaders.Policy{FrameOptions: " DENY"}, "Policy.FrameOptions", "leading or trailing"},
		{"too long", secheaders.Policy{ContentSecurityPolicy: "default-src " + strings.Repeat("a", 9000)}, "Policy.ContentSecurityPolicy", "longer than"},
		{"CSP of semicolons", secheaders.Policy{ContentSecurityPolicy: ";;"}, "Policy.ContentSecurityPolicy", "without directives"},
		{"CSP bad directive name", secheaders.Policy{ContentSecurityPolicy: "default_src 'none'"}, "Policy.ContentSecurityPolicy", "directive name"},
		{"CSP repeated directive", secheaders.Policy{ContentSecurityPolicy: "default-src 'none'; script-src 'self'; Default-Src *"}, "Policy.ContentSecurityPolicy", "repeated"},
		{"X-Frame-Options ALLOWALL", secheaders.Policy{FrameOptions: "ALLOWALL"}, "Policy.FrameOptions", "DENY or SAMEORIGIN"},
		{"X-Frame-Options ALLOW-FROM", secheaders.Policy{FrameOptions: "ALLOW-FROM https://a.example"}, "Policy.FrameOptions", "frame-ancestors"},
		{"unknown referrer policy", secheaders.Policy{ReferrerPolicy: "never"}, "Policy.ReferrerPolicy", "not a referrer policy"},
		{"nosniff misspelt", secheaders.Policy{ContentTypeOptions: "no-sniff"}, "Policy.ContentTypeOptions", "nosniff"},
		{"HSTS without max-age", secheaders.Policy{HSTS: "includeSubDomains"}, "Policy.HSTS", "max-age is required"},
		{"HSTS max-age not a number", secheaders.Policy{HSTS: "max-age=two-years"}, "Policy.HSTS", "not a number"},
		{"HSTS max-age negative", secheaders.Policy{HSTS: "max-age=-1"}, "Policy.HSTS", "not a number"},
		{"HSTS max-age signed", secheaders.Policy{HSTS: "max-age=+5"}, "Policy.HSTS", "not a number"},
		{"HSTS max-age empty", secheaders.Policy{HSTS: "max-age="}, "Policy.HSTS", "not a number"},
		{"HSTS max-age overflows", secheaders.Policy{HSTS: "max-age=99999999999999999999"}, "Policy.HSTS", "not a number"},
		{"HSTS misspelt directive", secheaders.Policy{HSTS: "max-age=600; includeSubDomain"}, "Policy.HSTS", "unknown directive"},
		{"HSTS repeated directive", secheaders.Policy{HSTS: "max-age=600; max-age=0"}, "Policy.HSTS", "repeated"},
		{"HSTS flag with a value", secheaders.Policy{HSTS: "max-age=600; includeSubDomains=yes"}, "Policy.HSTS", "takes no value"},
		{"HSTS preload too short", secheaders.Policy{HSTS: "max-age=600; includeSubDomains; preload"}, "Policy.HSTS", "preload requires"},
		{"HSTS preload without subdomains", secheaders.Policy{HSTS: "max-age=63072000; preload"}, "Policy.HSTS", "preload requires"},
		{"COOP unknown", secheaders.Policy{CrossOriginOpenerPolicy: "same-site"}, "Policy.CrossOriginOpenerPolicy", "must be"},
		{"CORP unknown", secheaders.Policy{CrossOriginResourcePolicy: "none"}, "Policy.CrossOriginResourcePolicy", "must be"},
		{"Feature-Policy syntax", secheaders.Policy{PermissionsPolicy: "camera 'none'"}, "Policy.PermissionsPolicy", "Feature-Policy"},
		{"Permissions-Policy bad key", secheaders.Policy{PermissionsPolicy: "Camera=()"}, "Policy.PermissionsPolicy", "feature name"},
		{"Cache-Control public", secheaders.Policy{CacheControlOnCredentials: "private, public"}, "Policy.CacheControlOnCredentials", "shared caches"},
		{"Cache-Control s-maxage", secheaders.Policy{CacheControlOnCredentials: "no-store, s-maxage=60"}, "Policy.CacheControlOnCredentials", "shared caches"},
		{"Cache-Control storable", secheaders.Policy{CacheControlOnCredentials: "max-age=60, must-revalidate"}, "Policy.CacheControlOnCredentials", "no-store or private"},
		{"StripHeaders bad name", secheaders.Policy{StripHeaders: []string{"X-Ok", "X Bad"}}, "Policy.StripHeaders[1]", "not a header name"},
		{"StripHeaders a policy header", secheaders.Policy{StripHeaders: []string{"x-frame-options"}}, "Policy.StripHeaders[0]", "Omit"},
		{"KeepUpstream other header", secheaders.Policy{KeepUpstream: []string{"X-Request-Id"}}, "Policy.KeepUpstream[0]", "neither"},
		{"KeepUpstream bad name", secheaders.Policy{KeepUpstream: []string{"Server:"}}, "Policy.KeepUpstream[0]", "not a header name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.policy.Validate()
			var fe *secheaders.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Reason, tt.reason) {
				t.Fatalf("got %s: %s; want %s: …%s…", fe.Field, fe.Reason, tt.field, tt.reason)
			}
			if strings.ContainsAny(err.Error(), "\r") || strings.Count(err.Error(), "\n") != 0 {
				t.Errorf("error message carries the raw value: %q", err.Error())
			}
		})
	}
}

// Validate reports every problem at once, each with its field.
func TestPolicyValidateReportsAll(t *testing.T) {
	t.Parallel()
	err := secheaders.Policy{
		FrameOptions:   "ALLOWALL",
		HSTS:           "max-age=soon",
		ReferrerPolicy: "unsafe-url\r\n",
		StripHeaders:   []string{"Content-Security-Policy"},
	}.Validate()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || len(joined.Unwrap()) != 4 {
		t.Fatalf("Validate = %v, want 4 joined errors", err)
	}
	for _, field := range []string{"Policy.FrameOptions", "Policy.HSTS", "Policy.ReferrerPolicy", "Policy.StripHeaders[0]"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("%s missing from %v", field, err)
		}
	}
}
