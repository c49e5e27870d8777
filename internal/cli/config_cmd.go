package cli

import "github.com/spf13/cobra"

// newConfigCmd is a placeholder; the config helper replaces this file.
func newConfigCmd(s *streams) *cobra.Command { return &cobra.Command{Use: "config", Hidden: true} }
