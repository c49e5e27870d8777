package oauth

import (
	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"
)

// Session is what rampart keeps about the resource owner of a grant: the
// OpenID Connect session fosite needs, plus the user's roles and name.
type Session struct {
	*openid.DefaultSession `json:"oidc"`
	// Roles are the user's roles when the grant was made; empty for clients.
	Roles []string `json:"roles,omitempty"`
}

var _ openid.Session = (*Session)(nil)

// newSession returns an empty session for subject.
func newSession(subject, username string, roles []string) *Session {
	s := &Session{DefaultSession: &openid.DefaultSession{
		Claims:  &jwt.IDTokenClaims{Subject: subject, Extra: map[string]any{}},
		Headers: &jwt.Headers{Extra: map[string]any{}},
		Subject: subject,
	}, Roles: roles}
	s.Username = username
	return s
}

// Clone implements fosite.Session.
func (s *Session) Clone() fosite.Session {
	if s == nil {
		return nil
	}
	c := &Session{Roles: append([]string(nil), s.Roles...)}
	if s.DefaultSession != nil {
		c.DefaultSession = s.DefaultSession.Clone().(*openid.DefaultSession)
	}
	return c
}
