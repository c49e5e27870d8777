package depaudit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeOSV is an httptest server speaking the OSV API's querybatch and
// vulns endpoints over the fixture database, answering each query with
// one advisory per page so that pagination is exercised.
func fakeOSV(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	db, err := LoadDB(filepath.Join("testdata", "osvdb"))
	if err != nil {
		t.Fatal(err)
	}
	var batches atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/querybatch", func(w http.ResponseWriter, r *http.Request) {
		batches.Add(1)
		var req struct {
			Queries []osvQuery `json:"queries"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		type vuln struct {
			ID string `json:"id"`
		}
		type result struct {
			Vulns         []vuln `json:"vulns,omitempty"`
			NextPageToken string `json:"next_page_token,omitempty"`
		}
		var resp struct {
			Results []result `json:"results"`
		}
		for _, q := range req.Queries {
			p := Package{Name: q.Package.Name, Ecosystem: Ecosystem(q.Package.Ecosystem), Version: q.Version}
			advs, _ := db.Advisories(r.Context(), []Package{p})
			var ids []string
			for _, e := range advs[0] {
				if m, _ := matchEntry(e, p); m.Affected {
					ids = append(ids, e.ID)
				}
			}
			start := 0
			if q.PageToken != "" {
				start = slices.Index(ids, q.PageToken)
			}
			var res result
			if start >= 0 && start < len(ids) {
				res.Vulns = []vuln{{ids[start]}}
				if start+1 < len(ids) {
					res.NextPageToken = ids[start+1]
				}
			}
			resp.Results = append(resp.Results, res)
		}
		json.NewEncoder(w).Encode(resp)
	})
	mux.HandleFunc("GET /v1/vulns/{id}", func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile(filepath.Join("testdata", "osvdb", filepath.Base(r.PathValue("id"))+".json"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &batches
}

// TestOSVClientMatchesOffline: online and offline audits of the same
// projects report the same findings.
func TestOSVClientMatchesOffline(t *testing.T) {
	t.Parallel()
	srv, batches := fakeOSV(t)
	for _, project := range []string{"gosvc", "pysvc", "nodesvc"} {
		t.Run(project, func(t *testing.T) {
			offline := auditFixture(t, project)
			online, err := Audit(context.Background(), filepath.Join("testdata", "projects", project),
				Options{Source: NewOSVClient(srv.URL, srv.Client()), Now: fixedClock})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := hits(online), hits(offline); !slices.Equal(got, want) {
				t.Errorf("online findings:\n got  %q\n want %q", got, want)
			}
			if !strings.HasPrefix(online.Source, "OSV API http://127.0.0.1") {
				t.Errorf("Source = %q", online.Source)
			}
		})
	}
	if batches.Load() < 3 {
		t.Errorf("querybatch called %d times", batches.Load())
	}
}

func TestOSVClientPagination(t *testing.T) {
	t.Parallel()
	srv, batches := fakeOSV(t)
	// stdlib 1.22.1 has one affecting advisory; a Go version below both
	// stdlib fixes has two, so a second page is needed.
	c := NewOSVClient(srv.URL, srv.Client())
	advs, err := c.Advisories(context.Background(), []Package{{Name: "stdlib", Ecosystem: Go, Version: "v1.22.0"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range advs[0] {
		ids = append(ids, e.ID)
	}
	if !slices.Equal(ids, []string{"GO-9999-0009", "GO-9999-0010"}) {
		t.Errorf("ids = %v", ids)
	}
	if batches.Load() != 2 {
		t.Errorf("querybatch called %d times, want 2 (one page each)", batches.Load())
	}
}

func TestOSVClientErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]http.HandlerFunc{
		"status": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		},
		"garbage": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{not json")) },
		"count":   func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"results":[]}`)) },
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			_, err := Audit(context.Background(), filepath.Join("testdata", "projects", "nodesvc"),
				Options{Source: NewOSVClient(srv.URL, srv.Client())})
			if err == nil {
				t.Fatal("a failing OSV API must fail the audit, not pass it")
			}
		})
	}
}
