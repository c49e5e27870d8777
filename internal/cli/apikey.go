package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/store"
)

type apiKeyJSON struct {
	ID         string   `json:"id"`
	Prefix     string   `json:"prefix"`
	User       string   `json:"user"`
	Name       string   `json:"name"`
	Scopes     []string `json:"scopes"`
	Status     string   `json:"status"`
	CreatedAt  *string  `json:"created_at"`
	ExpiresAt  *string  `json:"expires_at"`
	LastUsedAt *string  `json:"last_used_at"`
	RevokedAt  *string  `json:"revoked_at"`
}

func toAPIKeyJSON(k *store.APIKey, a *app.App) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Prefix: identity.APIKeyPrefix + k.ID, User: k.Username, Name: k.Name, Scopes: k.Scopes,
		Status: apiKeyStatus(k, a), CreatedAt: timeJSON(k.CreatedAt), ExpiresAt: timeJSON(k.ExpiresAt),
		LastUsedAt: timeJSON(k.LastUsedAt), RevokedAt: timeJSON(k.RevokedAt)}
}

func apiKeyStatus(k *store.APIKey, _ *app.App) string {
	now := time.Now()
	switch {
	case !k.RevokedAt.IsZero():
		return "revoked"
	case !k.ExpiresAt.IsZero() && !k.ExpiresAt.After(now):
		return "expired"
	default:
		return "active"
	}
}

func newAPIKeyCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{Use: "apikey", Short: "Manage API keys (shown once, stored hashed)"}
	cmd.AddCommand(newAPIKeyCreateCmd(s), newAPIKeyListCmd(s), newAPIKeyRevokeCmd(s))
	return cmd
}

func newAPIKeyCreateCmd(s *streams) *cobra.Command {
	var user, name, expires string
	var scopes []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create --user USERNAME [--scope S]... [--expires 90d|never]",
		Short: "Create an API key; the key is printed exactly once",
		Long: "Create an API key for a user. The key (rk_<id>_<secret>) is printed once and cannot be shown\n" +
			"again: only an HMAC-SHA-256 of it is stored. Keys expire after 90 days unless --expires says otherwise.",
		Example: "  rampart apikey create --user alice --scope data:read --expires 90d --json",
		Args:    exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			if user == "" {
				return usagef("--user is required")
			}
			ttl, err := parseLifetime(expires)
			if err != nil {
				return err
			}
			nk, err := a.Identity.CreateAPIKey(ctx, user, name, scopes, ttl)
			if err != nil {
				return err
			}
			// The key exists now: show it even if the audit write fails,
			// or it is lost with no way to get it.
			recErr := a.RecordAdmin(ctx, audit.AdminAPIKeyCreated, user, map[string]string{"key_id": nk.Meta.ID, "name": name, "scopes": strings.Join(nk.Meta.Scopes, ","), "expires": expires})
			if asJSON {
				out := struct {
					Key string `json:"key"`
					apiKeyJSON
				}{nk.Key, toAPIKeyJSON(nk.Meta, a)}
				return errors.Join(printJSON(s.out, out), recErr)
			}
			fmt.Fprintln(s.out, nk.Key)
			exp := "never"
			if !nk.Meta.ExpiresAt.IsZero() {
				exp = timeText(nk.Meta.ExpiresAt)
			}
			fmt.Fprintf(s.err, "API key %s for %s, scopes %s, expires %s.\nStore it now: it cannot be shown again.\n",
				nk.Meta.ID, user, listText(nk.Meta.Scopes), exp)
			return recErr
		}),
	}
	cmd.Flags().StringVar(&user, "user", "", "owner of the key (required)")
	cmd.Flags().StringVar(&name, "name", "", "a label, e.g. the service that uses the key")
	cmd.Flags().StringSliceVar(&scopes, "scope", nil, "scope the key carries (repeatable)")
	cmd.Flags().StringVar(&expires, "expires", "90d", "lifetime: 90d, 12h, 1y … or never")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the key and its metadata as JSON")
	return cmd
}

func newAPIKeyListCmd(s *streams) *cobra.Command {
	var user string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--user USERNAME]",
		Short: "List API keys (never their secrets)",
		Args:  exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			keys, err := a.Store.APIKeys(ctx, user)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]apiKeyJSON, 0, len(keys))
				for _, k := range keys {
					out = append(out, toAPIKeyJSON(k, a))
				}
				return printJSON(s.out, out)
			}
			rows := make([][]string, 0, len(keys))
			for _, k := range keys {
				rows = append(rows, []string{k.ID, identity.APIKeyPrefix + k.ID + "_…", k.Username, listText(k.Scopes),
					apiKeyStatus(k, a), timeText(k.ExpiresAt), timeText(k.LastUsedAt), k.Name})
			}
			return table(s.out, []string{"ID", "PREFIX", "USER", "SCOPES", "STATUS", "EXPIRES", "LAST USED", "NAME"}, rows)
		}),
	}
	cmd.Flags().StringVar(&user, "user", "", "only this user's keys")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newAPIKeyRevokeCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key (by id, or by its rk_<id> prefix)",
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			id := strings.TrimPrefix(args[0], identity.APIKeyPrefix)
			if i := strings.IndexByte(id, '_'); i >= 0 {
				id = id[:i] // a whole key was pasted: use its id only
			}
			if err := a.RevokeAPIKey(ctx, id); err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminAPIKeyRevoked, id, nil); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "revoked API key %s\n", id)
			return nil
		}),
	}
}
