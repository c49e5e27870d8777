package audit

import (
	"context"
	"time"
)

// Type names what happened, as "area.action". Every type rampart records is
// a constant below; a Recorder accepts any non-empty Type.
type Type string

// The event types rampart records.
const (
	// LoginSuccess is a correct username and password (POST /auth/login, the
	// sign-in page or HTTP Basic). Subject is the user name.
	LoginSuccess Type = "login.success"
	// LoginFailure is a refused login: unknown user, wrong password, disabled
	// or locked account. Subject is the user name as typed.
	LoginFailure Type = "login.failure"
	// LoginLockout is an account or a client IP locked after repeated
	// failures. Subject is the user name; Details["scope"] is "account" or "ip".
	LoginLockout Type = "login.lockout"
	// TokenIssued is an access token (with a refresh token when the grant
	// has one) issued by login, authorization code or client credentials.
	TokenIssued Type = "token.issued"
	// TokenRefreshed is a refresh token exchanged for new tokens.
	TokenRefreshed Type = "token.refreshed"
	// TokenRevoked is a token revoked at the revocation endpoint (RFC 7009).
	TokenRevoked Type = "token.revoked"
	// TokenRefreshReuse is a spent refresh token presented again: the whole
	// grant family is revoked.
	TokenRefreshReuse Type = "token.refresh_reuse"
	// AuthzDenied is a request refused by a route's authorization policy.
	AuthzDenied Type = "authz.denied"
	// BruteForceDetected is a client IP or an account whose authentication
	// failures crossed the detector's threshold within its window.
	// Details["kind"] is "ip" or "account"; Details["blocked_until"] is set
	// when the IP was blocked.
	BruteForceDetected Type = "bruteforce.detected"
	// RateLimited is a request refused by a rate limit.
	RateLimited Type = "ratelimit.limited"
	// KeyRotated is a new token signing key published.
	KeyRotated Type = "key.rotated"

	// AdminUserCreated is a user created. Subject is the user name.
	AdminUserCreated Type = "admin.user.created"
	// AdminUserDeleted is a user deleted with their grants and API keys.
	AdminUserDeleted Type = "admin.user.deleted"
	// AdminUserDisabled is a user disabled; their tokens are revoked.
	AdminUserDisabled Type = "admin.user.disabled"
	// AdminUserEnabled is a disabled user enabled again.
	AdminUserEnabled Type = "admin.user.enabled"
	// AdminUserPasswordSet is a user's password set by an administrator.
	AdminUserPasswordSet Type = "admin.user.password_set"
	// AdminUserRolesGranted is roles given to a user (Details["roles"]).
	AdminUserRolesGranted Type = "admin.user.roles_granted"
	// AdminUserRolesRevoked is roles taken from a user (Details["roles"]).
	AdminUserRolesRevoked Type = "admin.user.roles_revoked"
	// AdminUsersImported is users imported from a file (Details["users"]).
	AdminUsersImported Type = "admin.users.imported"
	// AdminRoleCreated is a role created. Subject is the role name.
	AdminRoleCreated Type = "admin.role.created"
	// AdminRoleUpdated is a role's permissions or description changed.
	AdminRoleUpdated Type = "admin.role.updated"
	// AdminRoleDeleted is a role deleted.
	AdminRoleDeleted Type = "admin.role.deleted"
	// AdminAPIKeyCreated is an API key created. Subject is the owner;
	// Details["key_id"] the key's id (never the key).
	AdminAPIKeyCreated Type = "admin.apikey.created"
	// AdminAPIKeyRevoked is an API key revoked. Subject is the key id.
	AdminAPIKeyRevoked Type = "admin.apikey.revoked"
	// AdminClientCreated is an OAuth client registered. Subject is the client id.
	AdminClientCreated Type = "admin.client.created"
	// AdminClientDeleted is an OAuth client deleted with its tokens.
	AdminClientDeleted Type = "admin.client.deleted"
	// AdminClientSecretRotated is a client's secret replaced.
	AdminClientSecretRotated Type = "admin.client.secret_rotated"
	// AdminMasterKeyRotated is a new master key wrapping the data keys.
	// Subject is the new key's fingerprint.
	AdminMasterKeyRotated Type = "admin.secrets.master_rotated"
	// AdminMasterKeyRetired is old master keys retired.
	AdminMasterKeyRetired Type = "admin.secrets.master_retired"
	// AuditPruned is the oldest events removed for retention.
	// Details["events"] is how many, Details["through_seq"] and
	// Details["through_hash"] the last one removed (the chain's new start),
	// Details["before"] the cut-off time.
	AuditPruned Type = "audit.pruned"
)

// Types lists every type above, for documentation and validation.
func Types() []Type {
	return []Type{LoginSuccess, LoginFailure, LoginLockout, TokenIssued, TokenRefreshed, TokenRevoked,
		TokenRefreshReuse, AuthzDenied, BruteForceDetected, RateLimited, KeyRotated,
		AdminUserCreated, AdminUserDeleted, AdminUserDisabled, AdminUserEnabled, AdminUserPasswordSet,
		AdminUserRolesGranted, AdminUserRolesRevoked, AdminUsersImported,
		AdminRoleCreated, AdminRoleUpdated, AdminRoleDeleted, AdminAPIKeyCreated, AdminAPIKeyRevoked,
		AdminClientCreated, AdminClientDeleted, AdminClientSecretRotated,
		AdminMasterKeyRotated, AdminMasterKeyRetired, AuditPruned}
}

// Outcome is how the action ended, with Elastic Common Schema's values for
// event.outcome.
type Outcome string

// The outcomes.
const (
	// Success means the action was done (a login that succeeded, a user created).
	Success Outcome = "success"
	// Failure means the action was refused (a wrong password, a denied request).
	Failure Outcome = "failure"
	// Unknown means the outcome is not known.
	Unknown Outcome = "unknown"
)

// Event is one security event. The zero value of each field means "not
// applicable"; a Recorder fills Time when it is zero. Seq, ID, PrevHash and
// Hash are set by the store that chains the event and are ignored by Record.
type Event struct {
	// Seq is the event's position in the chain, from 1, with no gaps.
	Seq int64 `json:"seq,omitempty"`
	// ID is the event's unique id, assigned when it is stored.
	ID string `json:"id,omitempty"`
	// Time is when the event happened. Stored with microsecond precision, in UTC.
	Time time.Time `json:"time"`
	// Type says what happened.
	Type Type `json:"type"`
	// Actor is who did it: a user name, an OAuth client id, or "cli:NAME"
	// for the operator NAME running a rampart command.
	Actor string `json:"actor,omitempty"`
	// Subject is whom or what it was done to: a user name, a role, a client
	// id, an API key id, a signing key id.
	Subject string `json:"subject,omitempty"`
	// ClientIP is the client's address as rampart decided it (trusted proxies applied).
	ClientIP string `json:"client_ip,omitempty"`
	// RequestID is the X-Request-Id of the request that caused the event.
	RequestID string `json:"request_id,omitempty"`
	// Outcome is how it ended. Empty is stored as Unknown.
	Outcome Outcome `json:"outcome"`
	// Details are a few more identifiers (route, policy, scopes, key id).
	// Never a secret.
	Details map[string]string `json:"details,omitempty"`
	// PrevHash is the Hash of the event before it, in lower-case hex; the
	// first event's is 64 zeros (ZeroHash).
	PrevHash string `json:"prev_hash,omitempty"`
	// Hash is the SHA-256 of the event's canonical encoding, in lower-case hex.
	Hash string `json:"hash,omitempty"`
}

// Recorder records events. Record returns only once the event is durable
// (for rampart's database recorder: committed), so a caller that records
// before it answers never reports an unrecorded action. Implementations are
// safe for concurrent use.
type Recorder interface {
	Record(ctx context.Context, e Event) error
}

// RecorderFunc adapts a function to Recorder.
type RecorderFunc func(ctx context.Context, e Event) error

// Record calls f(ctx, e).
func (f RecorderFunc) Record(ctx context.Context, e Event) error { return f(ctx, e) }

// Nop is a Recorder that records nothing, for code run without a trail.
type Nop struct{}

// Record does nothing and returns nil.
func (Nop) Record(context.Context, Event) error { return nil }
