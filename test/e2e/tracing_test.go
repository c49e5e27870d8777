package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP trace receiver, as an OpenTelemetry
// Collector's otlphttp receiver serves it: protobuf ExportTraceServiceRequest
// bodies POSTed to /v1/traces.
type otlpReceiver struct {
	mu       sync.Mutex
	service  []string
	spans    []*tracepb.Span
	requests int
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"), http.StatusBadRequest)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req collectortrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests++
	for _, rs := range req.GetResourceSpans() {
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				o.service = append(o.service, kv.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			o.spans = append(o.spans, ss.GetSpans()...)
		}
	}
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

// The real binary exports its spans over OTLP/HTTP to a collector: a
// server span continuing the caller's W3C trace, named after the route,
// and a client span for the upstream call, whose id the upstream receives
// in traceparent. Spans still buffered at SIGTERM are flushed.
func TestTracesReachAnOTLPCollector(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	defer collector.Close()
	var upstreamTP bytes.Buffer
	var upMu sync.Mutex
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upMu.Lock()
		upstreamTP.WriteString(r.Header.Get("Traceparent"))
		upMu.Unlock()
		io.WriteString(w, "ok")
	}))
	defer upstream.Close()

	dir := t.TempDir()
	cfg := fmt.Sprintf(`version: 1
tracing: {otlp_endpoint: %q, service_name: rampart-e2e}
routes:
  - name: open
    match: {path: /open}
    upstream: %s
    public: true
`, collector.URL, upstream.URL)
	cfgFile := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, dir, []string{"RAMPART_CONFIG=" + cfgFile})

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, _ := http.NewRequest("GET", s.url+"/open", nil)
	req.Header.Set("Traceparent", "00-"+traceID+"-"+parentID+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /open: %d", resp.StatusCode)
	}
	s.stop(t) // the batch exporter has not sent yet (5 s delay): shutdown must flush

	recv.mu.Lock()
	defer recv.mu.Unlock()
	if recv.requests == 0 {
		t.Fatalf("the collector received nothing\n%s", s.stderr)
	}
	for _, name := range recv.service {
		if name != "rampart-e2e" {
			t.Errorf("service.name = %q, want rampart-e2e", name)
		}
	}
	var server, client *tracepb.Span
	for _, sp := range recv.spans {
		if hex.EncodeToString(sp.GetTraceId()) != traceID {
			continue
		}
		switch sp.GetKind() {
		case tracepb.Span_SPAN_KIND_SERVER:
			server = sp
		case tracepb.Span_SPAN_KIND_CLIENT:
			client = sp
		}
	}
	if server == nil || client == nil {
		t.Fatalf("want a server and a client span of trace %s; got %d spans: %v", traceID, len(recv.spans), recv.spans)
	}
	if got := hex.EncodeToString(server.GetParentSpanId()); got != parentID {
		t.Errorf("server span's parent = %s, want the caller's %s", got, parentID)
	}
	if server.GetName() != "GET open" {
		t.Errorf("server span name = %q, want %q", server.GetName(), "GET open")
	}
	if !bytes.Equal(client.GetParentSpanId(), server.GetSpanId()) {
		t.Errorf("client span's parent %x is not the server span %x", client.GetParentSpanId(), server.GetSpanId())
	}
	upMu.Lock()
	got := upstreamTP.String()
	upMu.Unlock()
	if want := "00-" + traceID + "-" + hex.EncodeToString(client.GetSpanId()) + "-01"; got != want {
		t.Errorf("upstream traceparent = %q, want %q", got, want)
	}
}
