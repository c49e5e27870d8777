package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// A WebSocket upgrade on a guarded route: refused without a credential
// (before anything reaches the upstream), and with one it is proxied both
// ways, the upstream seeing the verified identity and not a spoofed one.
func TestWebSocketThroughTheGateway(t *testing.T) {
	upgrades := make(chan http.Header, 10)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upgrades <- r.Header.Clone()
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, m, err := c.ReadMessage()
			if err != nil {
				return
			}
			c.WriteMessage(mt, append([]byte(r.Header.Get("X-Rampart-Subject")+" said "), m...))
		}
	}))
	defer upstream.Close()

	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := fmt.Sprintf(`version: 1
issuer: {url: "http://%s"}
authenticators:
  keys: {type: api_key}
routes:
  - {name: live, match: {path: /live}, upstream: %s, authenticate: [keys], authorize: {scopes: [live:read]}}
`, addr, upstream.URL)
	cfgFile := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"RAMPART_CONFIG=" + cfgFile}
	cli(t, dir, env, "", "role", "create", "listener", "--permission", "live:read")
	cli(t, dir, env, "a long enough password", "user", "add", "bob", "--role", "listener", "--password-stdin")
	key := cli(t, dir, env, "", "apikey", "create", "--user", "bob", "--scope", "live:read")
	s := startServe(t, dir, env, "--listen", addr)
	wsURL := "ws" + strings.TrimPrefix(s.url, "http") + "/live"

	// No credential: the handshake is refused with 401 and never reaches the upstream.
	_, resp, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"X-Rampart-Subject": {"mallory"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated upgrade: %v %v", resp, err)
	}
	select {
	case h := <-upgrades:
		t.Fatalf("an unauthenticated upgrade reached the upstream: %v", h)
	default:
	}

	c, resp, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Authorization": {"Bearer " + key}, "X-Rampart-Subject": {"mallory"}})
	if err != nil {
		t.Fatalf("authenticated upgrade: %v %v", resp, err)
	}
	defer c.Close()
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("the 101 response has no request id")
	}
	h := <-upgrades
	subject := h.Get("X-Rampart-Subject")
	if !strings.HasPrefix(subject, "usr_") || len(h.Values("X-Rampart-Subject")) != 1 {
		t.Fatalf("upstream saw X-Rampart-Subject %v, want one verified subject", h.Values("X-Rampart-Subject"))
	}
	for i := range 3 {
		msg := fmt.Sprintf("message %d", i)
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if want := subject + " said " + msg; string(got) != want {
			t.Fatalf("echo %q, want %q", got, want)
		}
	}
}
