package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/store"
)

// userJSON is how users appear in --json output. It never carries the hash.
type userJSON struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	Roles       []string `json:"roles"`
	Disabled    bool     `json:"disabled"`
	HasPassword bool     `json:"has_password"`
	HashScheme  string   `json:"hash_scheme,omitempty"`
	CreatedAt   *string  `json:"created_at"`
	UpdatedAt   *string  `json:"updated_at"`
	LastLoginAt *string  `json:"last_login_at"`
}

func toUserJSON(u *store.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Roles: u.Roles, Disabled: u.Disabled,
		HasPassword: u.PasswordHash != "", HashScheme: hashScheme(u.PasswordHash),
		CreatedAt: timeJSON(u.CreatedAt), UpdatedAt: timeJSON(u.UpdatedAt), LastLoginAt: timeJSON(u.LastLoginAt)}
}

func newUserCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users (add, list, show, disable, delete, import …)"}
	cmd.AddCommand(newUserAddCmd(s), newUserListCmd(s), newUserShowCmd(s),
		newUserDisableCmd(s, true), newUserDisableCmd(s, false), newUserDeleteCmd(s),
		newUserPasswdCmd(s), newUserGrantCmd(s, true), newUserGrantCmd(s, false), newUserImportCmd(s))
	return cmd
}

// readNewPassword gets a password from stdin (--password-stdin) or, on a
// terminal, by prompting twice without echo.
func readNewPassword(s *streams, fromStdin bool) (string, error) {
	if fromStdin {
		return readSecretStdin(s.in, "password")
	}
	f, ok := s.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usagef("no password given: pipe it with --password-stdin (never on the command line), or use --no-password for an API-key-only user")
	}
	fmt.Fprint(s.err, "Password: ")
	p1, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(s.err)
	if err != nil {
		return "", err
	}
	fmt.Fprint(s.err, "Repeat password: ")
	p2, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(s.err)
	if err != nil {
		return "", err
	}
	if string(p1) != string(p2) {
		return "", fmt.Errorf("passwords do not match")
	}
	return string(p1), nil
}

func newUserAddCmd(s *streams) *cobra.Command {
	var roles []string
	var fromStdin, noPassword, asJSON bool
	cmd := &cobra.Command{
		Use:   "add USERNAME",
		Short: "Create a user",
		Long: "Create a user. The password is read from stdin with --password-stdin, or prompted for on a\n" +
			"terminal; it is never accepted on the command line.",
		Example: "  printf '%s' \"$PW\" | rampart user add alice --role admin --password-stdin",
		Args:    exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, cmd *cobra.Command, args []string) error {
			if fromStdin && noPassword {
				return usagef("--password-stdin and --no-password exclude each other")
			}
			var pw string
			if !noPassword {
				var err error
				if pw, err = readNewPassword(s, fromStdin); err != nil {
					return err
				}
			}
			u, err := a.Identity.CreateUser(ctx, args[0], pw, roles)
			if err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminUserCreated, u.Username, map[string]string{"user_id": u.ID, "roles": strings.Join(u.Roles, ","), "sign_in": signIn(pw != "")}); err != nil {
				return err
			}
			if asJSON {
				return printJSON(s.out, toUserJSON(u))
			}
			fmt.Fprintf(s.out, "created user %s (%s) with roles %s\n", u.Username, u.ID, listText(u.Roles))
			return nil
		}),
	}
	cmd.Flags().StringSliceVar(&roles, "role", nil, "role to grant (repeatable, or comma-separated)")
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from stdin")
	cmd.Flags().BoolVar(&noPassword, "no-password", false, "create the user without a password (API keys only)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the user as JSON")
	return cmd
}

func newUserListCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			users, err := a.Store.Users(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]userJSON, 0, len(users))
				for _, u := range users {
					out = append(out, toUserJSON(u))
				}
				return printJSON(s.out, out)
			}
			rows := make([][]string, 0, len(users))
			for _, u := range users {
				status := "active"
				if u.Disabled {
					status = "disabled"
				}
				rows = append(rows, []string{u.Username, listText(u.Roles), status, hashScheme(u.PasswordHash), timeText(u.LastLoginAt)})
			}
			return table(s.out, []string{"USERNAME", "ROLES", "STATUS", "HASH", "LAST LOGIN"}, rows)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newUserShowCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show USERNAME",
		Short: "Show one user",
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			u, err := a.Store.User(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(s.out, toUserJSON(u))
			}
			status := "active"
			if u.Disabled {
				status = "disabled"
			}
			keys, err := a.Store.APIKeys(ctx, u.Username)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "id:          %s\nusername:    %s\nroles:       %s\nstatus:      %s\npassword:    %s\ncreated:     %s\nupdated:     %s\nlast login:  %s\napi keys:    %d\n",
				u.ID, u.Username, listText(u.Roles), status, hashScheme(u.PasswordHash), timeText(u.CreatedAt), timeText(u.UpdatedAt), timeText(u.LastLoginAt), len(keys))
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newUserDisableCmd(s *streams, disable bool) *cobra.Command {
	use, short, done := "enable USERNAME", "Re-enable a disabled user", "enabled"
	if disable {
		use, short, done = "disable USERNAME", "Disable a user: logins, API keys and issued tokens stop working", "disabled"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			var err error
			typ := audit.AdminUserEnabled
			if disable {
				typ = audit.AdminUserDisabled
				err = a.DisableUser(ctx, args[0])
			} else {
				err = a.Store.SetUserDisabled(ctx, args[0], false)
			}
			if err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, typ, args[0], nil); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "%s user %s\n", done, args[0])
			return nil
		}),
	}
}

func newUserDeleteCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "delete USERNAME",
		Short: "Delete a user with their role grants and API keys",
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			if err := a.DeleteUser(ctx, args[0]); err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminUserDeleted, args[0], nil); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "deleted user %s\n", args[0])
			return nil
		}),
	}
}

func newUserPasswdCmd(s *streams) *cobra.Command {
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "set-password USERNAME",
		Short: "Set a user's password (from stdin or a terminal prompt)",
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			if _, err := a.Store.User(ctx, args[0]); err != nil {
				return err
			}
			pw, err := readNewPassword(s, fromStdin)
			if err != nil {
				return err
			}
			if err := a.Identity.SetPassword(ctx, args[0], pw); err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminUserPasswordSet, args[0], nil); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "password set for %s\n", args[0])
			return nil
		}),
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from stdin")
	return cmd
}

func newUserGrantCmd(s *streams, grant bool) *cobra.Command {
	use, short := "revoke USERNAME ROLE...", "Take roles from a user"
	if grant {
		use, short = "grant USERNAME ROLE...", "Give roles to a user"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef("%s: need a username and at least one role", cmd.CommandPath())
			}
			return nil
		},
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			var err error
			typ := audit.AdminUserRolesRevoked
			if grant {
				typ = audit.AdminUserRolesGranted
				err = a.GrantRoles(ctx, args[0], args[1:])
			} else {
				err = a.RevokeRoles(ctx, args[0], args[1:])
			}
			if err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, typ, args[0], map[string]string{"roles": strings.Join(args[1:], ",")}); err != nil {
				return err
			}
			u, err := a.Store.User(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "%s now has roles %s\n", u.Username, listText(u.Roles))
			return nil
		}),
	}
}

func newUserImportCmd(s *streams) *cobra.Command {
	var format string
	var dryRun, asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import users with their existing password hashes (Flask/Werkzeug, Django, bcrypt, argon2id)",
		Long: `Import a user table from another stack without password resets.

FILE is CSV with a header (username,hash[,roles][,disabled]; roles separated by ';')
or JSON lines ({"username": "alice", "hash": "pbkdf2:sha256:600000$…", "roles": ["admin"]}).
Supported hashes: argon2id, bcrypt ($2a$/$2b$/$2y$), Werkzeug pbkdf2:… and scrypt:…,
Django pbkdf2_sha256$…, argon2$…, bcrypt$… and bcrypt_sha256$…. Each user's hash is
upgraded to argon2id at their next successful login.

Every row is checked first; if any row is bad, every problem is reported with its line
number and nothing is imported.`,
		Args: exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			f := identity.ImportFormat(strings.ToLower(format))
			if f != identity.FormatAuto && f != identity.FormatCSV && f != identity.FormatJSONL {
				return usagef("--format %q: want csv or jsonl", format)
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if dryRun {
				rows, errs := identity.ParseImport(args[0], data, f)
				if len(errs) > 0 {
					return &identity.ImportError{File: args[0], Errors: errs}
				}
				fmt.Fprintf(s.out, "%s: %d users look importable (dry run: nothing written; database checks run on the real import)\n", args[0], len(rows))
				return nil
			}
			sum, err := a.Identity.ImportUsers(ctx, args[0], data, f)
			if err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminUsersImported, filepath.Base(args[0]), map[string]string{"users": strconv.Itoa(sum.Users)}); err != nil {
				return err
			}
			if asJSON {
				return printJSON(s.out, map[string]any{"imported": sum.Users, "by_scheme": sum.BySchema})
			}
			var parts []string
			for sc, n := range sum.BySchema {
				parts = append(parts, fmt.Sprintf("%s: %d", sc, n))
			}
			sort.Strings(parts)
			fmt.Fprintf(s.out, "imported %d users (%s); legacy hashes move to argon2id at each user's next login\n", sum.Users, strings.Join(parts, ", "))
			return nil
		}),
	}
	cmd.Flags().StringVar(&format, "format", "", "csv or jsonl (default: from the file name, else the content)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the file without importing")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

// signIn says how a new user can sign in, for the audit trail.
func signIn(hasPassword bool) string {
	if hasPassword {
		return "password"
	}
	return "api keys only"
}
