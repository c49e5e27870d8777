package oauth

import "context"

// Observer sees the authorization server's outcomes that metrics and the
// brute-force detector count. Nil fields are skipped; the zero value
// observes nothing. The hooks run on the request's goroutine and must not
// block.
type Observer struct {
	// LoginFailed sees every refused password login (wrong password,
	// unknown user, locked account) with the username tried; the client IP
	// is in ctx (clientip.FromContext).
	LoginFailed func(ctx context.Context, username string)
	// TokenIssued sees every successful token response: grantType is the
	// OAuth grant (authorization_code, client_credentials, refresh_token) or
	// "login" for POST /auth/login.
	TokenIssued func(ctx context.Context, grantType string)
}

func (o Observer) loginFailed(ctx context.Context, username string) {
	if o.LoginFailed != nil {
		o.LoginFailed(ctx, username)
	}
}

func (o Observer) tokenIssued(ctx context.Context, grantType string) {
	if o.TokenIssued != nil {
		o.TokenIssued(ctx, grantType)
	}
}
