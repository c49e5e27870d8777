package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/internal/store"
)

type clientJSON struct {
	ClientID        string   `json:"client_id"`
	Name            string   `json:"name"`
	Public          bool     `json:"public"`
	GrantTypes      []string `json:"grant_types"`
	Scopes          []string `json:"scopes"`
	RedirectURIs    []string `json:"redirect_uris"`
	Audience        []string `json:"audience"`
	TokenAuthMethod string   `json:"token_endpoint_auth_method"`
	CreatedAt       *string  `json:"created_at"`
	SecretRotatedAt *string  `json:"secret_rotated_at"`
}

func toClientJSON(c *store.Client) clientJSON {
	method := c.TokenAuthMethod
	if !c.Public {
		method = "client_secret_basic client_secret_post"
	}
	return clientJSON{ClientID: c.ID, Name: c.Name, Public: c.Public, GrantTypes: c.GrantTypes, Scopes: c.Scopes,
		RedirectURIs: nonNil(c.RedirectURIs), Audience: nonNil(c.Audience), TokenAuthMethod: method,
		CreatedAt: timeJSON(c.CreatedAt), SecretRotatedAt: timeJSON(c.SecretRotatedAt)}
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func newClientCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{Use: "client", Short: "Manage OAuth 2.1 clients (secrets shown once, stored hashed)"}
	cmd.AddCommand(newClientCreateCmd(s), newClientListCmd(s), newClientShowCmd(s), newClientDeleteCmd(s), newClientRotateCmd(s))
	return cmd
}

func newClientCreateCmd(s *streams) *cobra.Command {
	var spec oauth.ClientSpec
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create --name NAME --grant GRANT... [--scope S]... [--redirect-uri U]... [--public]",
		Short: "Register a client; its secret is printed exactly once",
		Example: `  rampart client create --name billing --grant client_credentials --scope "data:read data:write"
  rampart client create --name web --grant authorization_code --grant refresh_token \
      --redirect-uri https://app.example.com/callback --scope "openid profile data:read"
  rampart client create --name cli --public --grant authorization_code --redirect-uri http://127.0.0.1:8400/cb`,
		Args: exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			spec.Scopes = splitScopes(spec.Scopes)
			c, secret, err := a.Clients.Create(ctx, spec)
			if err != nil {
				return err
			}
			// The client exists now: show its secret even if the audit
			// write fails, or the secret is lost with no way to get it.
			recErr := a.RecordAdmin(ctx, audit.AdminClientCreated, c.ID, map[string]string{"name": c.Name, "public": strconv.FormatBool(c.Public),
				"grant_types": strings.Join(c.GrantTypes, ","), "scopes": strings.Join(c.Scopes, " ")})
			if asJSON {
				out := struct {
					clientJSON
					ClientSecret string `json:"client_secret,omitempty"`
				}{toClientJSON(c), secret}
				return errors.Join(printJSON(s.out, out), recErr)
			}
			fmt.Fprintf(s.out, "client_id:     %s\n", c.ID)
			if secret != "" {
				fmt.Fprintf(s.out, "client_secret: %s\n", secret)
				fmt.Fprintln(s.err, "Store the secret now: it cannot be shown again (rampart client rotate-secret makes a new one).")
			}
			return recErr
		}),
	}
	f := cmd.Flags()
	f.StringVar(&spec.Name, "name", "", "a name for people (required)")
	f.StringSliceVar(&spec.GrantTypes, "grant", nil, "client_credentials, authorization_code or refresh_token (repeatable)")
	f.StringSliceVar(&spec.Scopes, "scope", nil, "scopes the client may ask for (repeatable, or one space-separated string)")
	f.StringArrayVar(&spec.RedirectURIs, "redirect-uri", nil, "exact redirect URI (repeatable; authorization_code only)")
	f.StringSliceVar(&spec.Audience, "audience", nil, "resource servers the client may get tokens for; the first is the default aud (repeatable)")
	f.BoolVar(&spec.Public, "public", false, "a public client (browser or native app): no secret, PKCE required")
	f.BoolVar(&asJSON, "json", false, "print the client (and its secret) as JSON")
	return cmd
}

// splitScopes accepts --scope a --scope b and --scope "a b".
func splitScopes(in []string) []string {
	var out []string
	for _, s := range in {
		out = append(out, strings.Fields(s)...)
	}
	return out
}

func newClientListCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List clients (never their secrets)",
		Args:  exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			cs, err := a.Store.Clients(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]clientJSON, 0, len(cs))
				for _, c := range cs {
					out = append(out, toClientJSON(c))
				}
				return printJSON(s.out, out)
			}
			rows := make([][]string, 0, len(cs))
			for _, c := range cs {
				kind := "confidential"
				if c.Public {
					kind = "public"
				}
				rows = append(rows, []string{c.ID, c.Name, kind, listText(c.GrantTypes), listText(c.Scopes), listText(c.RedirectURIs)})
			}
			return table(s.out, []string{"CLIENT ID", "NAME", "TYPE", "GRANTS", "SCOPES", "REDIRECT URIS"}, rows)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newClientShowCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show CLIENT_ID",
		Short: "Show one client",
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			c, err := a.Store.Client(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(s.out, toClientJSON(c))
			}
			j := toClientJSON(c)
			fmt.Fprintf(s.out, "client_id:      %s\nname:           %s\npublic:         %t\ngrants:         %s\nscopes:         %s\nredirect uris:  %s\naudience:       %s\nauth method:    %s\ncreated:        %s\nsecret rotated: %s\n",
				c.ID, c.Name, c.Public, listText(c.GrantTypes), listText(c.Scopes), listText(c.RedirectURIs), listText(c.Audience),
				j.TokenAuthMethod, timeText(c.CreatedAt), timeText(c.SecretRotatedAt))
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newClientDeleteCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "delete CLIENT_ID",
		Short: "Delete a client; its codes and refresh tokens die with it and its access tokens are revoked",
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			if err := a.DeleteClient(ctx, args[0]); err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminClientDeleted, args[0], nil); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "deleted client %s and revoked its tokens\n", args[0])
			return nil
		}),
	}
}

func newClientRotateCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "rotate-secret CLIENT_ID",
		Short: "Give a confidential client a new secret (printed once); the old one stops working",
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			secret, err := a.Clients.RotateSecret(ctx, args[0])
			if err != nil {
				return err
			}
			// The old secret no longer works: show the new one even if the
			// audit write fails, or the client is locked out.
			recErr := a.RecordAdmin(ctx, audit.AdminClientSecretRotated, args[0], nil)
			if asJSON {
				return errors.Join(printJSON(s.out, map[string]string{"client_id": args[0], "client_secret": secret}), recErr)
			}
			fmt.Fprintf(s.out, "client_secret: %s\n", secret)
			return recErr
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
