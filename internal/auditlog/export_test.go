package auditlog

// SetAfterChainRead makes Verify call f between reading the chain's start
// and head and walking the events.
func SetAfterChainRead(l *Log, f func()) { l.afterChainRead = f }
