package cli

import (
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/internal/config"
)

func newServeCmd(s *streams) *cobra.Command {
	var insecureHTTP bool
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run rampart (health endpoints on loopback by default)",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			if listen != "" {
				cfg.Server.Listen = listen
			}
			if insecureHTTP {
				cfg.Server.InsecureHTTP = true
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			log := app.NewLogger(cfg.Logging, s.err)
			// A proxy's live heap is small and its garbage is per request: collect
			// less often than Go's default (measured: ~40% more requests/s on the
			// gateway bench). GOGC in the environment still wins.
			if os.Getenv("GOGC") == "" {
				debug.SetGCPercent(400)
			}
			var reload *app.Reloader
			if path, _ := cmd.Flags().GetString("config"); path == "" && os.Getenv("RAMPART_CONFIG") == "" {
				cfg.Authenticators, cfg.Routes = config.DemoRoutes()
				log.Info("no configuration file: serving the built-in demo route GET /api/data (any rampart access token or API key); see docs/config.md to guard your own API")
			} else {
				hup := make(chan os.Signal, 1)
				signal.Notify(hup, syscall.SIGHUP)
				defer signal.Stop(hup)
				reload = &app.Reloader{Signals: hup, Load: func() (*config.Config, error) { return loadConfig(cmd) }}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			a, err := app.Open(ctx, cfg, log)
			if err != nil {
				return err
			}
			defer a.Close()
			return a.Serve(ctx, nil, reload)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "listen address (overrides server.listen)")
	cmd.Flags().BoolVar(&insecureHTTP, "insecure-http", false, "allow plain HTTP on a non-loopback address")
	return cmd
}
