package gateway

import (
	"errors"
	"net/http"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
	"github.com/rampart-sec/rampart/ratelimit"
	"github.com/rampart-sec/rampart/telemetry"
)

// This file fills the request's telemetry.Record (when the request has one)
// from the gateway's stages, before the caller's own hooks run.

// recordingHooks returns opts with hooks that record authorization, failed
// authentication and rate-limit outcomes, then call the caller's hooks.
func recordingHooks(opts Options) Options {
	onDecision, onAuthFailure, onRateLimit := opts.OnDecision, opts.OnAuthFailure, opts.OnRateLimit
	opts.OnDecision = func(r *http.Request, d authz.Decision) {
		if rec := telemetry.RecordFrom(r.Context()); rec != nil {
			rec.Decision = "deny"
			if d.Allow {
				rec.Decision = "allow"
			}
		}
		if onDecision != nil {
			onDecision(r, d)
		}
	}
	opts.OnAuthFailure = func(r *http.Request, err error) {
		if rec := telemetry.RecordFrom(r.Context()); rec != nil {
			rec.AuthOutcome = "failure"
			if errors.Is(err, authn.ErrNoCredential) {
				rec.AuthOutcome = "missing"
			}
		}
		if onAuthFailure != nil {
			onAuthFailure(r, err)
		}
	}
	opts.OnRateLimit = func(r *http.Request, d ratelimit.Decision) {
		if rec := telemetry.RecordFrom(r.Context()); rec != nil {
			switch {
			case d.Err != nil:
				if rec.RateLimit == "" {
					rec.RateLimit = "error"
				}
			case !d.Result.Allowed:
				rec.RateLimit, rec.RateLimitPolicy = "limited", d.Policy
			case rec.RateLimit == "":
				rec.RateLimit = "admitted"
			}
		}
		if onRateLimit != nil {
			onRateLimit(r, d)
		}
	}
	return opts
}

// recordingAuthenticator records which kind of credential the request
// carried and, on success, who it proved.
type recordingAuthenticator struct{ authn.Authenticator }

// Authenticate implements authn.Authenticator.
func (a recordingAuthenticator) Authenticate(r *http.Request) (*authn.Identity, error) {
	id, err := a.Authenticator.Authenticate(r)
	if errors.Is(err, authn.ErrNoCredential) {
		return id, err
	}
	if rec := telemetry.RecordFrom(r.Context()); rec != nil {
		rec.AuthMethod = methodOf(a.Authenticator)
		if err == nil && id != nil {
			rec.AuthOutcome = "success"
			rec.UserName, rec.UserID, rec.ClientID = id.Username, id.Subject, id.ClientID
		}
	}
	return id, err
}

// methodOf names an authenticator's kind for logs and metric labels.
func methodOf(a authn.Authenticator) string {
	switch a.(type) {
	case *authn.JWT:
		return string(authn.MethodJWT)
	case *authn.APIKey:
		return string(authn.MethodAPIKey)
	case *authn.Basic:
		return string(authn.MethodBasic)
	case *authn.MTLS:
		return string(authn.MethodMTLS)
	case *authn.Introspection:
		return string(authn.MethodIntrospection)
	}
	return "other"
}
