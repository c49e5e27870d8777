// Package audit is rampart's tamper-evident audit trail of security events:
// logins, lockouts, tokens issued, refreshed and revoked, refresh-token
// reuse, authorization denials, rate limiting, key rotation and every
// administrative change.
//
// An Event says what happened (its Type), who did it (Actor), to whom or what
// (Subject), from where (ClientIP, RequestID), how it ended (Outcome) and a few
// non-secret Details. Code that performs a security-relevant action hands the
// event to a Recorder before it answers, so no response ever reports an action
// the trail does not hold:
//
//	if err := rec.Record(ctx, audit.Event{Type: audit.LoginFailure, Subject: username, ClientIP: ip}); err != nil {
//		// fail closed: do not report an action that was not recorded
//	}
//
// Recorder is one method; any value with it will do. rampart's own recorder
// stores events in its database, chained: each stored event carries the
// SHA-256 of its canonical encoding (see Canonical), which includes the hash
// of the event before it. Editing, deleting, inserting or reordering stored
// events breaks the chain, and Verify names the first event where it breaks.
//
// Sinks (FileSink, SyslogSink, WebhookSink) deliver best-effort copies of
// recorded events elsewhere through a Queue that never blocks the caller; the
// database remains the source of truth.
//
// Never put a secret in an event: no password, token, API key, client secret
// or key material, in any field or detail. Details are for identifiers (a key
// id, a client id, a scope list), never for credentials.
package audit
