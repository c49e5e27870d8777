package cli

import "fmt"

// exitCodeError makes Main exit with code instead of 1, for commands whose
// exit status carries meaning beyond success and failure (an audit that
// found something exits 1 on purpose, not because it broke).
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string { return e.err.Error() }
func (e exitCodeError) Unwrap() error { return e.err }

// exitf returns an exitCodeError with a formatted message.
func exitf(code int, format string, args ...any) error {
	return exitCodeError{code: code, err: fmt.Errorf(format, args...)}
}
