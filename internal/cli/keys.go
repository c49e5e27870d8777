package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/token"
)

func newKeysCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Token signing keys: list and rotate"}
	cmd.AddCommand(newKeysListCmd(s), newKeysRotateCmd(s))
	return cmd
}

func printKeys(s *streams, infos []token.KeyInfo, asJSON bool) error {
	if asJSON {
		if infos == nil {
			infos = []token.KeyInfo{}
		}
		return printJSON(s.out, infos)
	}
	rows := make([][]string, 0, len(infos))
	for _, k := range infos {
		rows = append(rows, []string{k.ID, string(k.Alg), string(k.State), timeText(k.CreatedAt), timeText(k.ActiveAt), timeText(k.RetireAt)})
	}
	return table(s.out, []string{"KID", "ALG", "STATE", "CREATED", "SIGNS FROM", "RETIRES"}, rows)
}

func newKeysListCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List signing keys and their state (next, signing, verify-only, retired)",
		Args:  exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			k, err := a.Keys(ctx)
			if err != nil {
				return err
			}
			return printKeys(s, k.Current().Keys(), asJSON)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newKeysRotateCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Publish a new signing key now; it signs after issuer.key_rotation_overlap",
		Long: `Publish a new signing key at once (it appears in /.well-known/jwks.json), switch
signing to it after issuer.key_rotation_overlap, and retire the old key only once every
token it signed has expired. No valid token stops verifying because of a rotation.`,
		Args: exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			k, err := a.Keys(ctx)
			if err != nil {
				return err
			}
			rec, err := k.Rotate(ctx)
			if err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.KeyRotated, rec.ID, map[string]string{"alg": string(rec.Alg), "signs_from": timeText(rec.ActiveAt)}); err != nil {
				return err
			}
			if !asJSON {
				fmt.Fprintf(s.out, "published %s key %s; it signs from %s\n", rec.Alg, rec.ID, timeText(rec.ActiveAt))
			}
			return printKeys(s, k.Current().Keys(), asJSON)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the keys as JSON")
	return cmd
}
