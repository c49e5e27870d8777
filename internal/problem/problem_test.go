package problem

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, 413, "Content Too Large", `body over "1024" bytes`)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 413 || m["type"] != "about:blank" || m["title"] != "Content Too Large" || m["status"] != float64(413) || m["detail"] != `body over "1024" bytes` {
		t.Fatalf("%d %v", rec.Code, m)
	}
	for k, v := range map[string]string{"Content-Type": "application/problem+json", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
		if rec.Header().Get(k) != v {
			t.Errorf("%s = %q", k, rec.Header().Get(k))
		}
	}
}
