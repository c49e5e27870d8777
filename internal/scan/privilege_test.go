package scan

import "testing"

// TestAcceptedPrivilege: the first privileged field in name order is named,
// the same on every run.
func TestAcceptedPrivilege(t *testing.T) {
	t.Parallel()
	for i := 0; i < 20; i++ {
		if got := acceptedPrivilege([]byte(`{"role":"admin","is_admin":true,"isAdmin":true}`)); got != "isAdmin=true" {
			t.Fatalf("run %d: %q", i, got)
		}
	}
	for body, want := range map[string]string{`{"role":"user"}`: "", `not json`: "", `{"role":"admin"}`: "role=admin", `{"is_admin":1}`: ""} {
		if got := acceptedPrivilege([]byte(body)); got != want {
			t.Errorf("acceptedPrivilege(%s) = %q, want %q", body, got, want)
		}
	}
}
