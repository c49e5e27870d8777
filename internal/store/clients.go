package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Client is a registered OAuth 2.0 client. Confidential clients have a
// SecretHash (a keyed hash, never the secret); public clients have none.
type Client struct {
	ID              string
	Name            string
	SecretHash      []byte
	Public          bool
	GrantTypes      []string
	ResponseTypes   []string
	Scopes          []string
	RedirectURIs    []string
	Audience        []string
	TokenAuthMethod string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	SecretRotatedAt time.Time
}

const clientCols = `id, name, secret_hash, public, grant_types, response_types, scopes, redirect_uris, audience,
	token_auth_method, created_at, updated_at, secret_rotated_at`

func scanClient(sc scanner) (*Client, error) {
	var c Client
	var grants, responses, scopes, redirects, aud string
	var created, updated, rotated sql.NullInt64
	if err := sc.Scan(&c.ID, &c.Name, &c.SecretHash, &c.Public, &grants, &responses, &scopes, &redirects, &aud,
		&c.TokenAuthMethod, &created, &updated, &rotated); err != nil {
		return nil, err
	}
	c.GrantTypes, c.ResponseTypes, c.Scopes = splitList(grants), splitList(responses), splitList(scopes)
	c.RedirectURIs, c.Audience = splitList(redirects), splitList(aud)
	c.CreatedAt, c.UpdatedAt, c.SecretRotatedAt = fromMicros(created), fromMicros(updated), fromMicros(rotated)
	return &c, nil
}

// CreateClient registers a client; ErrConflict if the id is taken.
func (s *Store) CreateClient(ctx context.Context, c *Client) error {
	now := s.nowMicros()
	_, err := s.exec(ctx, s.db, "INSERT INTO oauth_clients ("+clientCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.Name, c.SecretHash, c.Public, strings.Join(c.GrantTypes, " "), strings.Join(c.ResponseTypes, " "),
		strings.Join(c.Scopes, " "), strings.Join(c.RedirectURIs, " "), strings.Join(c.Audience, " "),
		c.TokenAuthMethod, now, now, nil)
	if errors.Is(err, ErrConflict) {
		return fmt.Errorf("client %q: %w", c.ID, ErrConflict)
	}
	c.CreatedAt, c.UpdatedAt = time.UnixMicro(now).UTC(), time.UnixMicro(now).UTC()
	return err
}

// Client returns one client.
func (s *Store) Client(ctx context.Context, id string) (*Client, error) {
	c, err := scanClient(s.db.QueryRowContext(ctx, s.Rebind("SELECT "+clientCols+" FROM oauth_clients WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("client %q: %w", id, ErrNotFound)
	}
	return c, s.mapErr(err)
}

// Clients lists every client by name, then id.
func (s *Store) Clients(ctx context.Context) ([]*Client, error) {
	return collect(ctx, s, s.db, "SELECT "+clientCols+" FROM oauth_clients ORDER BY name, id", scanClient)
}

// SetClientSecret replaces a confidential client's secret hash.
func (s *Store) SetClientSecret(ctx context.Context, id string, hash []byte) error {
	now := s.nowMicros()
	res, err := s.exec(ctx, s.db, "UPDATE oauth_clients SET secret_hash = ?, secret_rotated_at = ?, updated_at = ? WHERE id = ? AND public = ?",
		hash, now, now, id, false)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("confidential client %q: %w", id, ErrNotFound)
	}
	return nil
}

// DeleteClient removes a client and every stored grant (codes, refresh
// tokens) it holds, in one transaction.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, "DELETE FROM oauth_sessions WHERE client_id = ?", id); err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, "DELETE FROM oauth_clients WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("client %q: %w", id, ErrNotFound)
		}
		return nil
	})
}
