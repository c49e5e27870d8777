// Package scantest holds targets that tests and benchmarks of the scanner
// share.
package scantest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// FiftyOperationSpec is an OpenAPI description of 50 GET operations: 25
// collections and their items, behind a bearer token.
func FiftyOperationSpec() []byte {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: fifty, version: '1'}\nsecurity: [{bearer: []}]\n")
	b.WriteString("components: {securitySchemes: {bearer: {type: http, scheme: bearer}}}\npaths:\n")
	for i := range 25 {
		fmt.Fprintf(&b, "  /api/v2/res%02d:\n    get: {responses: {'200': {description: list}}}\n", i)
		fmt.Fprintf(&b, "  /api/v2/res%02d/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n      responses: {'200': {description: one}}\n", i)
	}
	return []byte(b.String())
}

// FiftyOperationAPI answers every operation of FiftyOperationSpec for the
// token "Bearer good" (401 without it, 404 elsewhere), with no rate limit.
func FiftyOperationAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "application/json")
		code, body := http.StatusOK, any([]map[string]int{{"id": 1}, {"id": 2}})
		switch {
		case !strings.HasPrefix(r.URL.Path, "/api/v2/res"):
			code, body = http.StatusNotFound, map[string]string{"message": "not found"}
		case r.Header.Get("Authorization") != "Bearer good":
			code, body = http.StatusUnauthorized, map[string]string{"message": "unauthorized"}
		}
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(body)
	})
}
