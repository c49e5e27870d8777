package secrets

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// NewRandomKey generates a KeySize-byte key from r: the generator for keys
// created on first use with LoadOrCreate.
func NewRandomKey(r io.Reader) ([]byte, error) {
	b := make([]byte, KeySize)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// KeySource yields a named secret, creating it on first use (a Keyring).
type KeySource interface {
	LoadOrCreate(ctx context.Context, name string, gen func(io.Reader) ([]byte, error)) ([]byte, error)
}

// LazyKey is a random key stored in the keyring under Name, created the first
// time any node needs it and kept in memory after the first load. It is safe
// for concurrent use; its zero value needs Source and Name.
type LazyKey struct {
	Source KeySource
	Name   string

	mu  sync.Mutex
	key []byte
}

// Get returns the key, loading (or creating) it on the first call.
func (l *LazyKey) Get(ctx context.Context) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.key != nil {
		return l.key, nil
	}
	k, err := l.Source.LoadOrCreate(ctx, l.Name, NewRandomKey)
	if err != nil {
		return nil, fmt.Errorf("loading key %q: %w", l.Name, err)
	}
	l.key = k
	return k, nil
}
