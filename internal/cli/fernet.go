package cli

import "github.com/spf13/cobra"

// newFernetCmd is a placeholder; the fernet helper replaces this file.
func newFernetCmd(s *streams) *cobra.Command { return &cobra.Command{Use: "fernet", Hidden: true} }
