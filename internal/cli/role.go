package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/internal/store"
)

type roleJSON struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	Users       int      `json:"users"`
	CreatedAt   *string  `json:"created_at"`
	UpdatedAt   *string  `json:"updated_at"`
}

func toRoleJSON(r *store.Role) roleJSON {
	return roleJSON{Name: r.Name, Description: r.Description, Permissions: r.Permissions, Users: r.Users,
		CreatedAt: timeJSON(r.CreatedAt), UpdatedAt: timeJSON(r.UpdatedAt)}
}

func newRoleCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{Use: "role", Short: "Manage roles and their permissions"}
	cmd.AddCommand(newRoleCreateCmd(s), newRoleListCmd(s), newRoleShowCmd(s), newRoleUpdateCmd(s), newRoleDeleteCmd(s))
	return cmd
}

func newRoleCreateCmd(s *streams) *cobra.Command {
	var perms []string
	var desc string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create a role",
		Example: "  rampart role create analyst --permission data:read --permission reports:read",
		Args:    exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			r, err := a.Identity.CreateRole(ctx, args[0], desc, perms)
			if err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminRoleCreated, r.Name, map[string]string{"permissions": strings.Join(r.Permissions, ",")}); err != nil {
				return err
			}
			if asJSON {
				return printJSON(s.out, toRoleJSON(r))
			}
			fmt.Fprintf(s.out, "created role %s with permissions %s\n", r.Name, listText(r.Permissions))
			return nil
		}),
	}
	cmd.Flags().StringSliceVar(&perms, "permission", nil, "permission the role carries (repeatable)")
	cmd.Flags().StringVar(&desc, "description", "", "what the role is for")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newRoleListCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List roles",
		Args:  exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			roles, err := a.Store.Roles(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]roleJSON, 0, len(roles))
				for _, r := range roles {
					out = append(out, toRoleJSON(r))
				}
				return printJSON(s.out, out)
			}
			rows := make([][]string, 0, len(roles))
			for _, r := range roles {
				rows = append(rows, []string{r.Name, listText(r.Permissions), fmt.Sprint(r.Users), r.Description})
			}
			return table(s.out, []string{"ROLE", "PERMISSIONS", "USERS", "DESCRIPTION"}, rows)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newRoleShowCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one role",
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			r, err := a.Store.Role(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(s.out, toRoleJSON(r))
			}
			fmt.Fprintf(s.out, "name:         %s\ndescription:  %s\npermissions:  %s\nusers:        %d\n", r.Name, r.Description, listText(r.Permissions), r.Users)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newRoleUpdateCmd(s *streams) *cobra.Command {
	var add, remove []string
	var desc string
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Add or remove a role's permissions, or change its description",
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, cmd *cobra.Command, args []string) error {
			var d *string
			if cmd.Flags().Changed("description") {
				d = &desc
			}
			if len(add) == 0 && len(remove) == 0 && d == nil {
				return usagef("nothing to change: give --add, --remove or --description")
			}
			r, err := a.Identity.UpdateRole(ctx, args[0], add, remove, d)
			if err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminRoleUpdated, r.Name, map[string]string{"added": strings.Join(add, ","), "removed": strings.Join(remove, ","), "permissions": strings.Join(r.Permissions, ",")}); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "role %s now has permissions %s\n", r.Name, listText(r.Permissions))
			return nil
		}),
	}
	cmd.Flags().StringSliceVar(&add, "add", nil, "permission to add (repeatable)")
	cmd.Flags().StringSliceVar(&remove, "remove", nil, "permission to remove (repeatable)")
	cmd.Flags().StringVar(&desc, "description", "", "new description")
	return cmd
}

func newRoleDeleteCmd(s *streams) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a role (refused while users hold it, unless --force)",
		Args:  exactArgs(1),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, args []string) error {
			if err := a.Store.DeleteRole(ctx, args[0], force); err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminRoleDeleted, args[0], map[string]string{"force": strconv.FormatBool(force)}); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "deleted role %s\n", args[0])
			return nil
		}),
	}
	cmd.Flags().BoolVar(&force, "force", false, "also take the role from every user who holds it")
	return cmd
}
