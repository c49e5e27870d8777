package sarif

import (
	"bytes"
	"testing"
)

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, Run{Tool: Tool{Driver: Driver{Name: "t", InformationURI: "https://example.com", Rules: []Rule{}}}, Invocations: []Invocation{}, Results: []Result{}}); err != nil {
		t.Fatal(err)
	}
	want := `{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {
      "tool": {
        "driver": {
          "name": "t",
          "informationUri": "https://example.com",
          "rules": []
        }
      },
      "invocations": [],
      "results": []
    }
  ]
}
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}
