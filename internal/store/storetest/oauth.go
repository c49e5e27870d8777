package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/store"
)

func testClients(t *testing.T, s *store.Store) {
	c := &store.Client{ID: "c1", Name: "billing", SecretHash: []byte{1, 2}, GrantTypes: []string{"client_credentials"},
		Scopes: []string{"data:read", "data:write"}, Audience: []string{"https://api"}, TokenAuthMethod: "client_secret_basic"}
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.CreateClient(ctx, c), store.ErrConflict)
	pub := &store.Client{ID: "c2", Public: true, GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"http://127.0.0.1:9/cb"}, TokenAuthMethod: "none"}
	if err := s.CreateClient(ctx, pub); err != nil {
		t.Fatal(err)
	}
	got, err := s.Client(ctx, "c1")
	if err != nil || got.Name != "billing" || fmt.Sprint(got.Scopes) != "[data:read data:write]" || string(got.SecretHash) != "\x01\x02" || got.Public {
		t.Fatalf("Client = %+v, %v", got, err)
	}
	got, _ = s.Client(ctx, "c2")
	if !got.Public || got.SecretHash != nil || got.RedirectURIs[0] != "http://127.0.0.1:9/cb" {
		t.Fatalf("public client = %+v", got)
	}
	if err := s.SetClientSecret(ctx, "c1", []byte{3}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.SetClientSecret(ctx, "c2", []byte{3}), store.ErrNotFound) // public: no secret
	got, _ = s.Client(ctx, "c1")
	if string(got.SecretHash) != "\x03" || got.SecretRotatedAt.IsZero() {
		t.Fatalf("after rotate: %+v", got)
	}
	if err := s.CreateGrant(ctx, &store.Grant{Kind: store.GrantRefresh, Signature: "s", RequestID: "r", ClientID: "c1", Data: []byte("{}"), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteClient(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Grant(ctx, store.GrantRefresh, "s")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteClient(ctx, "c1"), store.ErrNotFound)
	cs, _ := s.Clients(ctx)
	if len(cs) != 1 {
		t.Fatalf("clients = %v", cs)
	}
}

func testGrants(t *testing.T, s *store.Store) {
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	for i, sig := range []string{"a", "b", "c"} {
		g := &store.Grant{Kind: store.GrantRefresh, Signature: sig, RequestID: "fam1", ClientID: "c", Subject: "alice", Data: []byte(fmt.Sprintf(`{"n":%d}`, i)), ExpiresAt: exp}
		if err := s.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, s.CreateGrant(ctx, &store.Grant{Kind: store.GrantRefresh, Signature: "a", Data: []byte("{}"), ExpiresAt: exp}), store.ErrConflict)
	g, err := s.Grant(ctx, store.GrantRefresh, "b")
	if err != nil || !g.Active || string(g.Data) != `{"n":1}` || !g.ExpiresAt.Equal(exp) || g.Subject != "alice" {
		t.Fatalf("Grant = %+v, %v", g, err)
	}
	_, err = s.Grant(ctx, store.GrantCode, "b")
	wantErr(t, err, store.ErrNotFound)
	// Exactly one of many concurrent uses wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.DeactivateGrant(ctx, store.GrantRefresh, "a")
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent deactivations won, want 1", wins)
	}
	n, err := s.DeactivateRequestGrants(ctx, store.GrantRefresh, "fam1")
	if err != nil || n != 2 {
		t.Fatalf("DeactivateRequestGrants = %d, %v", n, err)
	}
	if g, _ := s.Grant(ctx, store.GrantRefresh, "c"); g.Active {
		t.Fatal("family member still active")
	}
	if err := s.CreateGrant(ctx, &store.Grant{Kind: store.GrantCode, Signature: "old", Data: []byte("{}"), ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpiredGrants(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("DeleteExpiredGrants = %d, %v", n, err)
	}
	if err := s.DeleteGrant(ctx, store.GrantRefresh, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Grant(ctx, store.GrantRefresh, "c"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("deleted grant still there")
	}
}

func testRevocations(t *testing.T, s *store.Store) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := s.Revoke(ctx, store.Revocation{Kind: store.RevokedToken, Value: "j1", RevokedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, store.Revocation{Kind: store.RevokedClient, Value: "c1", RevokedAt: now, ExpiresAt: now.Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	// Revoking again never shortens the entry's life.
	if err := s.Revoke(ctx, store.Revocation{Kind: store.RevokedToken, Value: "j1", RevokedAt: now.Add(time.Second), ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Revocations(ctx, now)
	if err != nil || len(rs) != 1 || rs[0].Value != "j1" || !rs[0].ExpiresAt.Equal(now.Add(time.Hour)) || !rs[0].RevokedAt.Equal(now.Add(time.Second)) {
		t.Fatalf("Revocations = %+v, %v", rs, err)
	}
	if n, err := s.PruneRevocations(ctx, now); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
}

func testSigningKeys(t *testing.T, s *store.Store) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	k1 := store.SigningKey{ID: "k1", Alg: "ES256", CreatedAt: now, ActiveAt: now}
	if err := s.AddSigningKey(ctx, func([]store.SigningKey) error { return nil }, k1, nil); err != nil {
		t.Fatal(err)
	}
	k1.RetireAt = now.Add(2 * time.Hour)
	k2 := store.SigningKey{ID: "k2", Alg: "ES256", CreatedAt: now.Add(time.Second), ActiveAt: now.Add(time.Hour)}
	var seen []store.SigningKey
	if err := s.AddSigningKey(ctx, func(cur []store.SigningKey) error { seen = cur; return nil }, k2, []store.SigningKey{k1}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].ID != "k1" {
		t.Fatalf("check saw %+v", seen)
	}
	ks, err := s.SigningKeys(ctx)
	if err != nil || len(ks) != 2 || !ks[0].RetireAt.Equal(k1.RetireAt) || !ks[1].ActiveAt.Equal(k2.ActiveAt) || !ks[1].RetireAt.IsZero() {
		t.Fatalf("SigningKeys = %+v, %v", ks, err)
	}
	refuse := errors.New("stale plan")
	err = s.AddSigningKey(ctx, func([]store.SigningKey) error { return refuse }, store.SigningKey{ID: "k3", CreatedAt: now, ActiveAt: now}, nil)
	if !errors.Is(err, refuse) {
		t.Fatalf("refused rotation = %v", err)
	}
	if ks, _ := s.SigningKeys(ctx); len(ks) != 2 {
		t.Fatal("a refused rotation wrote a key")
	}
}

func testLoginFailures(t *testing.T, s *store.Store) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lock := func(n int) time.Duration {
		if n >= 3 {
			return time.Minute
		}
		return 0
	}
	var st store.LoginFailures
	var err error
	for i := 1; i <= 3; i++ {
		st, err = s.RecordLoginFailure(ctx, "alice", at.Add(time.Duration(i)*time.Second), time.Hour, lock)
		if err != nil || st.Failures != i {
			t.Fatalf("failure %d: %+v, %v", i, st, err)
		}
	}
	if !st.LockedUntil.Equal(at.Add(3*time.Second + time.Minute)) {
		t.Fatalf("locked until %v", st.LockedUntil)
	}
	got, _ := s.LoginFailureState(ctx, "alice")
	if got.Failures != 3 || !got.LockedUntil.Equal(st.LockedUntil) {
		t.Fatalf("state = %+v", got)
	}
	// After the window the run starts again.
	st, _ = s.RecordLoginFailure(ctx, "alice", at.Add(3*time.Hour), time.Hour, lock)
	if st.Failures != 1 {
		t.Fatalf("after window: %+v", st)
	}
	// Concurrent failures are all counted.
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.RecordLoginFailure(ctx, "bob", at, time.Hour, lock); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got, _ := s.LoginFailureState(ctx, "bob"); got.Failures != 10 {
		t.Fatalf("bob failures = %d, want 10", got.Failures)
	}
	if err := s.ResetLoginFailures(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LoginFailureState(ctx, "bob"); got.Failures != 0 {
		t.Fatal("reset did not reset")
	}
}
