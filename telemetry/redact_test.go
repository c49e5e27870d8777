package telemetry

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRedactingHandlerMasksEveryLevelAndShape(t *testing.T) {
	t.Parallel()
	const secret = "Sup3r-Secret-Value-42"
	var buf bytes.Buffer
	log := slog.New(NewRedactingHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	hdr := http.Header{"Authorization": {"Bearer " + secret}, "Cookie": {"s=" + secret}, "Set-Cookie": {"s=" + secret},
		"Proxy-Authorization": {"Basic " + secret}, "X-Api-Key": {secret}, "Accept": {"application/json"}}
	with := log.With("client_secret", secret).WithGroup("g")
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		log.Log(t.Context(), l, "login password="+secret, "headers", hdr, "password", secret, "db.password", secret,
			"form", url.Values{"refresh_token": {secret}}, "err", errors.New("dial postgres://u:"+secret+"@h/db"),
			slog.Group("req", slog.String("authorization", secret)), "url", &url.URL{Scheme: "https", Host: "h", User: url.UserPassword("u", secret)})
		with.Log(t.Context(), l, "grouped", "token", secret)
	}
	out := buf.String()
	if strings.Contains(out, secret) {
		t.Fatalf("secret in log output:\n%s", out)
	}
	if c := strings.Count(out, Redacted); c < 40 {
		t.Errorf("only %d masks:\n%s", c, out)
	}
	if !strings.Contains(out, `"Accept":["application/json"]`) {
		t.Errorf("an ordinary header was lost:\n%s", out)
	}
}

func TestSensitiveKey(t *testing.T) {
	t.Parallel()
	for k, want := range map[string]bool{
		"Authorization": true, "http.request.headers.cookie": true, "Set-Cookie": true, "X-API-Key": true, "client_secret": true,
		"refresh_token": true, "db_password": true, "master_key": true, "session": true,
		"user.name": false, "token_type": false, "master_key_fingerprint": false, "url.path": false, "tokens_issued": false, "key": false,
	} {
		if got := SensitiveKey(k); got != want {
			t.Errorf("SensitiveKey(%q) = %v, want %v", k, got, want)
		}
	}
}
