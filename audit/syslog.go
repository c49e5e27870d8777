package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// facilityNames are the RFC 5424 facilities (section 6.2.1) by code;
// codes 15 and 16–23 are cron2 (unnamed here) and local0–local7.
func facilityNames() []string {
	return []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
		"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "",
		"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
}

// FacilityNames lists the facility names Facility knows, by code.
func FacilityNames() []string {
	var out []string
	for _, n := range facilityNames() {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// Facility returns the RFC 5424 code of a facility name ("auth", "local0" …).
func Facility(name string) (int, bool) {
	for code, n := range facilityNames() {
		if n != "" && strings.EqualFold(n, name) {
			return code, true
		}
	}
	return 0, false
}

// Syslog severities used for audit events.
const (
	sevWarning = 4
	sevNotice  = 5
)

// sdID is the structured-data element of rampart's events. 32473 is the
// private enterprise number RFC 5612 sets aside for documentation; rampart
// has none of its own, and the name only needs to be stable.
const sdID = "rampart@32473"

// FormatRFC5424 renders e as one RFC 5424 syslog message: PRI from facility
// and the outcome (warning for failures, notice otherwise), VERSION 1, the
// event's time, hostname, APP-NAME "rampart", PROCID, MSGID the event type,
// one structured-data element with the chain fields, and the event as JSON
// (UTF-8, with the BOM the RFC asks for) as MSG.
func FormatRFC5424(e Event, facility int, hostname string, pid int) []byte {
	sev := sevNotice
	if e.Outcome == Failure {
		sev = sevWarning
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<%d>1 %s %s rampart %d %s ", facility*8+sev,
		e.Time.UTC().Format(TimeFormat), headerField(hostname, 255), pid, headerField(string(e.Type), 32))
	b.WriteString("[" + sdID)
	for _, p := range [][2]string{{"seq", strconv.FormatInt(e.Seq, 10)}, {"id", e.ID}, {"outcome", string(e.Outcome)},
		{"actor", e.Actor}, {"subject", e.Subject}, {"client_ip", e.ClientIP}, {"hash", e.Hash}} {
		if p[1] == "" {
			continue
		}
		b.WriteString(" " + p[0] + `="` + sdEscape(p[1]) + `"`)
	}
	b.WriteString("] \ufeff")
	msg, _ := json.Marshal(e)
	b.Write(msg)
	return []byte(b.String())
}

// headerField makes s a valid header field: printable US-ASCII without
// spaces, at most n bytes, "-" when empty.
func headerField(s string, n int) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(out) < n; i++ {
		if c := s[i]; c > 32 && c < 127 {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return string(out)
}

// sdEscape escapes '"', '\' and ']' in a PARAM-VALUE (RFC 5424 section 6.3.3).
func sdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`)
	return r.Replace(s)
}

// SyslogSink sends events to a syslog server as RFC 5424 messages: one
// datagram each over UDP, or octet-counted frames (RFC 6587) over TCP. It
// reconnects after a failure.
type SyslogSink struct {
	network, addr string
	facility      int
	hostname      string
	pid           int
	dialer        net.Dialer

	mu   sync.Mutex
	conn net.Conn
}

var _ Sink = (*SyslogSink)(nil)

// NewSyslogSink returns a sink for address "udp://HOST:PORT" or
// "tcp://HOST:PORT" and a facility name such as "auth".
func NewSyslogSink(address, facility string) (*SyslogSink, error) {
	network, hostport, err := ParseSyslogAddress(address)
	if err != nil {
		return nil, fmt.Errorf("syslog address %q: %w", address, err)
	}
	f, ok := Facility(facility)
	if !ok {
		return nil, fmt.Errorf("syslog facility %q: unknown", facility)
	}
	host, _ := os.Hostname()
	return &SyslogSink{network: network, addr: hostport, facility: f, hostname: host, pid: os.Getpid(),
		dialer: net.Dialer{Timeout: 5 * time.Second}}, nil
}

// ParseSyslogAddress splits a syslog sink address, "udp://HOST:PORT" or
// "tcp://HOST:PORT", into its network and HOST:PORT.
func ParseSyslogAddress(address string) (network, hostport string, err error) {
	u, err := url.Parse(address)
	if err != nil || (u.Scheme != "udp" && u.Scheme != "tcp") || u.Hostname() == "" || u.Port() == "" {
		return "", "", errors.New("want udp://HOST:PORT or tcp://HOST:PORT")
	}
	return u.Scheme, u.Host, nil
}

// Send writes e to the server, connecting first if needed.
func (s *SyslogSink) Send(ctx context.Context, e Event) error {
	msg := FormatRFC5424(e, s.facility, s.hostname, s.pid)
	if s.network == "tcp" {
		msg = append([]byte(strconv.Itoa(len(msg))+" "), msg...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		c, err := s.dialer.DialContext(ctx, s.network, s.addr)
		if err != nil {
			return fmt.Errorf("syslog %s://%s: %w", s.network, s.addr, err)
		}
		s.conn = c
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = s.conn.SetWriteDeadline(dl)
	}
	if _, err := s.conn.Write(msg); err != nil {
		s.conn.Close()
		s.conn = nil
		return fmt.Errorf("syslog %s://%s: %w", s.network, s.addr, err)
	}
	return nil
}

// Close closes the connection.
func (s *SyslogSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}
