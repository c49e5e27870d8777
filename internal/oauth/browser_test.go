package oauth_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/rampart-sec/rampart/internal/testenv"
)

const chromiumPath = "/usr/bin/chromium"

// chromium starts a headless Chromium for the test and returns its context;
// new tabs are opened with chromedp.NewContext on it.
func chromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		testenv.Unavailable(t, chromiumPath+" is missing (apt-get install chromium)")
	}
	profile := t.TempDir() // removed after the browser has exited (cleanups run last-in, first-out)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1000, 820),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first action starts the browser, which lives as long as the
	// context of that action: browser itself, not one with a timeout.
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	return browser
}

// screenshot saves the page as name.png in $RAMPART_SCREENSHOT_DIR, if set.
func screenshot(t *testing.T, name string) chromedp.Action[chromedp.Void] {
	dir := os.Getenv("RAMPART_SCREENSHOT_DIR")
	return chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		if dir == "" {
			return nil
		}
		png, err := chromedp.FullScreenshot(100)(ctx, tab)
		if err != nil {
			return err
		}
		f := filepath.Join(dir, name+".png")
		t.Logf("screenshot: %s", f)
		return os.WriteFile(f, png, 0o644)
	})
}

// A real browser without help: it signs in, consents, and lands on the
// client's redirect URI with a code that redeems to a verified ID token.
// This also proves that form-action in the pages' CSP lets the final
// redirect to the client through.
func TestBrowserSignInAndConsent(t *testing.T) {
	browser := chromium(t)
	databases(t, func(t *testing.T, e *env) {
		u, err := e.ids.CreateUser(ctx, "alice", pw, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan url.Values, 1)
		rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/cb" {
				http.NotFound(w, r)
				return
			}
			select {
			case got <- r.URL.Query():
			default:
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!doctype html><title>Signed in</title><p id="done">Signed in.</p>`)
		}))
		defer rp.Close()
		redirect := rp.URL + "/cb"
		id, _ := codeClient(t, e, "Browser App", true, false, redirect, "openid", "profile")
		cfg := oauthConfig(e, id, "", redirect, oidc.ScopeOpenID, "profile")
		verifier, state, nonce := oauth2.GenerateVerifier(), randomString(t, 12), randomString(t, 12)
		authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))

		tab, closeTab := chromedp.NewContext(browser)
		defer closeTab()
		tab, cancel := context.WithTimeout(tab, 20*time.Second)
		defer cancel()
		err = chromedp.Do(tab,
			chromedp.Navigate(authURL),
			chromedp.WaitVisible(chromedp.ID("username")),
			screenshot(t, "login"),
			chromedp.SendKeys(chromedp.ID("username"), "alice"),
			chromedp.SendKeys(chromedp.ID("password"), pw),
			chromedp.Click(chromedp.ID("signin")),
			chromedp.WaitVisible(chromedp.ID("allow")),
			screenshot(t, "consent"),
			chromedp.Click(chromedp.ID("allow")),
			chromedp.WaitVisible(chromedp.ID("done")),
		)
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		landed, _ := chromedp.Run(tab, chromedp.Location())
		var q url.Values
		select {
		case q = <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("the browser never reached the redirect URI")
		}
		if q.Get("state") != state || q.Get("code") == "" {
			t.Fatalf("redirect URI got %v (browser at %s)", q, landed)
		}
		tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		provider, err := oidc.NewProvider(ctx, e.url)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := provider.Verifier(&oidc.Config{ClientID: id}).Verify(ctx, raw)
		if err != nil {
			t.Fatalf("ID token: %v", err)
		}
		if idt.Subject != u.ID || idt.Nonce != nonce {
			t.Fatalf("ID token sub %q nonce %q", idt.Subject, idt.Nonce)
		}
	})
}
