package config

import (
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/audit"
)

func TestAuditSinks(t *testing.T) {
	t.Parallel()
	good := `version: 1
audit:
  queue_size: 10
  retention: 400d
  sinks:
    - {type: file, path: /tmp/audit.jsonl}
    - {type: syslog, address: "udp://127.0.0.1:514"}
    - {type: webhook, url: "https://siem.example/in", headers: {X-Source: rampart}, secret_header: Authorization, secret_file: /run/s}
`
	c, err := Parse("good.yaml", []byte(good), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Audit.Sinks) != 3 || c.Audit.Sinks[1].Facility != "auth" || c.Audit.Sinks[2].Headers["X-Source"] != "rampart" || c.Audit.QueueSize != 10 || c.Audit.Retention != 400*24*time.Hour {
		t.Fatalf("audit = %+v", c.Audit)
	}
	bad := `version: 1
audit:
  queue_size: 0
  retention: 12h
  sinks:
    - {type: kafka}
    - {type: file}
    - {type: syslog, address: "http://x:1", facility: nope}
    - {type: webhook, url: "http://siem.example/in", headers: {Authorization: x}, secret_header: X}
`
	_, err = Parse("bad.yaml", []byte(bad), nil)
	if err == nil {
		t.Fatal("bad audit config accepted")
	}
	for _, want := range []string{"audit.queue_size", "audit.retention: must be 0 (keep every event) or at least 1d, got 12h", "audit.sinks[0].type", "audit.sinks[1].path", "audit.sinks[2].address",
		"audit.sinks[2].facility", "audit.sinks[3].url", "audit.sinks[3].headers", "audit.sinks[3].secret_file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors do not name %s:\n%v", want, err)
		}
	}
}

// Syslog sinks are validated as audit.NewSyslogSink reads them: facility
// names in any case, and an address must name a host.
func TestAuditSyslogAsTheSinkReadsIt(t *testing.T) {
	for _, c := range []struct {
		address, facility string
		ok                bool
	}{
		{"udp://127.0.0.1:514", "local3", true},
		{"tcp://syslog.example:6514", "AUTH", true},
		{"udp://:514", "auth", false},
		{"udp://127.0.0.1", "auth", false},
		{"udp://127.0.0.1:514", "cron2", false},
	} {
		doc := "version: 1\naudit:\n  sinks:\n    - {type: syslog, address: \"" + c.address + "\", facility: " + c.facility + "}\n"
		_, err := Parse("a.yaml", []byte(doc), nil)
		if (err == nil) != c.ok {
			t.Errorf("%s %s: %v, want ok %v", c.address, c.facility, err, c.ok)
		}
		_, serr := audit.NewSyslogSink(c.address, c.facility)
		if (serr == nil) != c.ok {
			t.Errorf("NewSyslogSink(%s, %s): %v, want ok %v", c.address, c.facility, serr, c.ok)
		}
	}
}
