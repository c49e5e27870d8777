package scan

import (
	"net/http"
	"strings"
	"testing"
)

// TestEvidenceRedactsCredentials: custom credential headers (from --header)
// and credential query parameters never reach a report in clear.
func TestEvidenceRedactsCredentials(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value-0123456789abcdef"
	ex := &exchange{
		method: http.MethodGet,
		url:    mustURL(t, "http://api.test/items?page=2&access_token="+secret+"&api_key="+secret),
		reqHead: http.Header{
			"Authorization":  {"Bearer " + secret},
			"X-Auth-Token":   {secret},
			"Private-Token":  {secret},
			"X-Access-Token": {secret},
			"Accept":         {"application/json"},
		},
		status: 200,
		proto:  "HTTP/1.1",
		head:   http.Header{"Set-Cookie": {"sid=" + secret}, "Content-Type": {"application/json"}},
	}
	ev := ex.evidence()
	for _, part := range []string{ev.Request, ev.Response} {
		if strings.Contains(part, secret) {
			t.Errorf("secret in evidence:\n%s", part)
		}
	}
	for _, want := range []string{"GET /items?page=2&access_token=", "X-Auth-Token: s3cr3t…[redacted]", "Private-Token: s3cr3t…[redacted]",
		"X-Access-Token: s3cr3t…[redacted]", "Accept: application/json"} {
		if !strings.Contains(ev.Request, want) {
			t.Errorf("request excerpt lacks %q:\n%s", want, ev.Request)
		}
	}
}
