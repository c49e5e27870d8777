package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/secrets"
)

func newSecretsCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{Use: "secrets", Short: "Encryption of stored secrets: master key status and rotation"}
	cmd.AddCommand(newSecretsStatusCmd(s), newRotateMasterCmd(s), newRetireMasterCmd(s))
	return cmd
}

func newSecretsStatusCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the master keys the database knows and the secrets it holds (never their values)",
		Args:  exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			fps, err := a.Store.MasterKeys(ctx)
			if err != nil {
				return err
			}
			dks, err := a.Store.DataKeyIDs(ctx)
			if err != nil {
				return err
			}
			names, err := a.Store.SecretNames(ctx)
			if err != nil {
				return err
			}
			if names == nil {
				names = []string{}
			}
			if asJSON {
				return printJSON(s.out, map[string]any{"master_key_in_use": a.Keyring.MasterFingerprint(),
					"master_keys": fps, "data_keys": len(dks), "secrets": names})
			}
			fmt.Fprintf(s.out, "master key in use:  %s\nmaster keys known:  %s\ndata keys:          %d\nsecrets:            %s\n",
				a.Keyring.MasterFingerprint(), listText(fps), len(dks), listText(names))
			if len(fps) > 1 {
				fmt.Fprintln(s.out, "a master key rotation is in progress: once every node runs with the new key, run `rampart secrets retire-master`")
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newRotateMasterCmd(s *streams) *cobra.Command {
	var newFile string
	var generate, fromStdin bool
	cmd := &cobra.Command{
		Use:   "rotate-master (--new-key-file FILE [--generate] | --new-key-stdin)",
		Short: "Re-wrap every data key under a new master key, without downtime",
		Long: `Re-wrap every data key under a new master key, in one transaction. The encrypted
secrets themselves are untouched, and the old key's wraps stay until you retire them,
so nodes still running with the old key keep working throughout:

  1. rampart secrets rotate-master --new-key-file /etc/rampart/master.key.new --generate
     (run with the CURRENT key configured, as usual)
  2. point every node at the new key (RAMPART_MASTER_KEY or secrets.master_key_file)
     and restart them one at a time
  3. rampart secrets retire-master   (run with the NEW key) removes the old key`,
		Args: exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			var key []byte
			var err error
			switch {
			case fromStdin && newFile != "":
				return usagef("give either --new-key-file or --new-key-stdin, not both")
			case fromStdin:
				v, err := readSecretStdin(s.in, "new master key")
				if err != nil {
					return err
				}
				if key, err = config.DecodeKey32(v); err != nil {
					return fmt.Errorf("new master key from stdin: %w", err)
				}
			case newFile == "":
				return usagef("give the new key with --new-key-file FILE (add --generate to create it) or --new-key-stdin")
			default:
				_, statErr := os.Stat(newFile)
				switch {
				case generate && statErr == nil:
					return fmt.Errorf("--generate: %s already exists; refusing to overwrite a key file", newFile)
				case generate && errors.Is(statErr, fs.ErrNotExist):
					key, _, err = secrets.ResolveMasterKey("", newFile, true, rand.Reader)
				case !generate && errors.Is(statErr, fs.ErrNotExist):
					return fmt.Errorf("%s does not exist; add --generate to create a new key there", newFile)
				default:
					key, _, err = secrets.ResolveMasterKey("", newFile, false, rand.Reader)
				}
				if err != nil {
					return err
				}
			}
			fp, err := a.Keyring.RotateMaster(ctx, key)
			if err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminMasterKeyRotated, fp, map[string]string{"previous": a.Keyring.MasterFingerprint()}); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "every data key is now also wrapped under master key %s (old key %s still works).\n", fp, a.Keyring.MasterFingerprint())
			fmt.Fprintf(s.out, "next: switch every node to the new key, then run `rampart secrets retire-master` with it.\n")
			return nil
		}),
	}
	cmd.Flags().StringVar(&newFile, "new-key-file", "", "file holding the new master key (base64 or hex of 32 bytes)")
	cmd.Flags().BoolVar(&generate, "generate", false, "create a new random key in --new-key-file (mode 0600)")
	cmd.Flags().BoolVar(&fromStdin, "new-key-stdin", false, "read the new master key from stdin")
	return cmd
}

func newRetireMasterCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "retire-master",
		Short: "Forget every master key but the one configured now (finishes a rotation)",
		Args:  exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			n, err := a.Store.RetireMasterKeys(ctx, a.Keyring.MasterFingerprint())
			if err != nil {
				return err
			}
			if err := a.RecordAdmin(ctx, audit.AdminMasterKeyRetired, a.Keyring.MasterFingerprint(), map[string]string{"retired": strconv.Itoa(n)}); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "retired %d old master key(s); %s is now the only one\n", n, a.Keyring.MasterFingerprint())
			return nil
		}),
	}
}
