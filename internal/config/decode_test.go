package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestConfigDecodeErrors has one case per kind of problem the decoder reports,
// with the exact message.
func TestConfigDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"unknown key, near a sibling", "version: 1\nserver:\n  listn: 127.0.0.1:8080\n",
			[]string{`rampart.yaml:3: server.listn: unknown key; did you mean "listen"?`}},
		{"unknown key, wrong case", "version: 1\nServer: {}\n",
			[]string{`rampart.yaml:2: Server: unknown key; did you mean "server"?`}},
		{"unknown key, dashes", "version: 1\nserver: {read-header-timeout: 5s}\n",
			[]string{`rampart.yaml:2: server.read-header-timeout: unknown key; did you mean "read_header_timeout"?`}},
		{"unknown key, in another section", "version: 1\nlisten: 127.0.0.1:8080\n",
			[]string{`rampart.yaml:2: listen: unknown key; did you mean "server.listen"? (it belongs under server)`}},
		{"unknown key, nothing close", "version: 1\nserver:\n  timeout: 5s\n",
			[]string{`rampart.yaml:3: server.timeout: unknown key; valid keys are listen, admin_listen, insecure_http, read_header_timeout, shutdown_timeout, trusted_proxies, tls`}},
		{"string got sequence", "version: 1\nserver:\n  listen:\n    - 127.0.0.1:8080\n",
			[]string{`rampart.yaml:3: server.listen: expected a string, got a sequence`}},
		{"mapping got sequence", "version: 1\nserver: [listen]\n",
			[]string{`rampart.yaml:2: server: expected a mapping, got a sequence`}},
		{"mapping got string, value not echoed", "version: 1\nsecrets: hunter2hunter2\n",
			[]string{`rampart.yaml:2: secrets: expected a mapping, got a string`}},
		{"duration", "version: 1\nserver:\n  read_header_timeout: fast\n",
			[]string{`rampart.yaml:3: server.read_header_timeout: expected a duration like "15s", got "fast"`}},
		{"duration without unit", "version: 1\nserver:\n  read_header_timeout: 30\n",
			[]string{`rampart.yaml:3: server.read_header_timeout: expected a duration like "15s", got "30" (add a unit: ms, s, m, h or d)`}},
		{"integer", "version: 1\nstorage:\n  max_open_conns: ten\n",
			[]string{`rampart.yaml:3: storage.max_open_conns: expected an integer, got "ten"`}},
		{"integer got float", "version: 1\nstorage:\n  max_open_conns: 1.5\n",
			[]string{`rampart.yaml:3: storage.max_open_conns: expected an integer, got "1.5"`}},
		{"integer out of range", "version: 1\npasswords:\n  argon2_parallelism: 300\n",
			[]string{`rampart.yaml:3: passwords.argon2_parallelism: expected an integer from 0 to 255, got "300"`}},
		{"negative unsigned", "version: 1\npasswords:\n  argon2_iterations: -1\n",
			[]string{`rampart.yaml:3: passwords.argon2_iterations: expected an integer from 0 to 4294967295, got "-1"`}},
		{"boolean", "version: 1\nserver:\n  insecure_http: yes\n",
			[]string{`rampart.yaml:3: server.insecure_http: expected true or false, got "yes"`}},
		{"long value shortened", "version: 1\nmode: " + strings.Repeat("x", 100) + "\n",
			[]string{`rampart.yaml:2: mode: must be one of development, production; got "` + strings.Repeat("x", 48) + `"…`}},
		{"duplicate key", "version: 1\nserver:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n",
			[]string{`rampart.yaml:4: server.listen: duplicate key; first set on line 3`}},
		{"duplicate section", "version: 1\nserver: {}\nserver: {}\n",
			[]string{`rampart.yaml:3: server: duplicate key; first set on line 2`}},
		{"two documents", "version: 1\n---\nversion: 1\n",
			[]string{`rampart.yaml:2: a second YAML document starts here; a config file holds exactly one (remove the "---" line)`}},
		{"invalid UTF-8", "version: 1\nmode: d\xffv\n",
			[]string{`rampart.yaml:2: invalid UTF-8 (byte 0xFF); a config file must be UTF-8 text`}},
		{"UTF-16", "\xff\xfev\x00:\x00",
			[]string{`rampart.yaml:1: invalid UTF-8 (byte 0xFF); a config file must be UTF-8 text (it looks like UTF-16; save it as UTF-8)`}},
		{"control character", "version: 1\n\nmode: \x00\n",
			[]string{`rampart.yaml:3: control character U+0000 is not allowed in a config file`}},
		{"invalid YAML", "version: 1\nserver:\n  listen: \"127.0.0.1:8080\n",
			[]string{`rampart.yaml:3: invalid YAML: found unexpected end of stream`}},
		{"invalid YAML, missing colon", "version: 1\nmode: development\nlogging\nserver: {}\n",
			[]string{`rampart.yaml:3: invalid YAML: could not find expected ':'`}},
		{"tab indentation", "version: 1\nserver:\n\tlisten: 127.0.0.1:8080\n",
			[]string{`rampart.yaml:3: invalid YAML: found character that cannot start any token (indent with spaces; YAML does not allow tabs for indentation)`}},
		{"undefined alias", "version: 1\nserver:\n  listen: *addr\n",
			[]string{`rampart.yaml:3: invalid YAML: alias *addr refers to an anchor &addr that is not defined before it`}},
		{"custom tag", "version: 1\nsecrets:\n  master_key: !env KEY\n",
			[]string{`rampart.yaml:3: secrets.master_key: YAML tag "!env" is not supported; write the value itself`}},
		{"non-string key", "version: 1\n? [a, b]\n: c\n",
			[]string{`rampart.yaml:2: a key must be a string, got a sequence`}},
		{"top level not a mapping", "- version: 1\n",
			[]string{`rampart.yaml:1: expected a mapping of keys (version: 1, server: …) at the top of the file, got a sequence`}},
		{"merge of a scalar", "version: 1\nserver:\n  <<: 5\n",
			[]string{`rampart.yaml:3: server: a merge key (<<) needs a mapping or a list of mappings, got an integer`}},
		{"too large", "version: 1\n#" + strings.Repeat("x", maxFileSize),
			[]string{fmt.Sprintf(`rampart.yaml: the file is %d bytes; a config file may be at most %d`, maxFileSize+12, maxFileSize)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantLines(t, parseErrs(t, tt.in), tt.want)
		})
	}
}

func TestConfigDecodeValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want func(c *Config)
	}{
		{"empty section keeps defaults", "version: 1\nserver:\n", func(c *Config) {}},
		{"null keeps the default", "version: 1\nserver:\n  listen: ~\n  shutdown_timeout: null\n", func(c *Config) {}},
		{"durations", "version: 1\nserver: {read_header_timeout: 1500ms, shutdown_timeout: 1h30m}\n", func(c *Config) {
			c.Server.ReadHeaderTimeout = 1500 * time.Millisecond
			c.Server.ShutdownTimeout = 90 * time.Minute
		}},
		{"days", "version: 1\nstorage: {busy_timeout: 90d, connect_timeout: 1d12h}\n", func(c *Config) {
			c.Storage.BusyTimeout = 90 * 24 * time.Hour
			c.Storage.ConnectTimeout = 36 * time.Hour
		}},
		{"integers", "version: 1\nstorage: {max_open_conns: 0x20}\npasswords: {argon2_memory_kib: 65_536, argon2_parallelism: 010}\n", func(c *Config) {
			c.Storage.MaxOpenConns = 32
			c.Passwords.Argon2MemoryKiB = 65536
			c.Passwords.Argon2Threads = 10
		}},
		{"quoted scalars", "version: \"1\"\nserver: {insecure_http: 'true', listen: \"0.0.0.0:80\"}\n", func(c *Config) {
			c.Server.InsecureHTTP = true
			c.Server.Listen = "0.0.0.0:80"
		}},
		{"anchors and aliases", "version: 1\nserver:\n  read_header_timeout: &t 7s\n  shutdown_timeout: *t\nstorage:\n  busy_timeout: *t\n", func(c *Config) {
			c.Server.ReadHeaderTimeout = 7 * time.Second
			c.Server.ShutdownTimeout = 7 * time.Second
			c.Storage.BusyTimeout = 7 * time.Second
		}},
		{"merge keys, own keys win", "version: 1\nserver:\n  <<: {read_header_timeout: 1s, shutdown_timeout: 2s}\n  shutdown_timeout: 3s\n", func(c *Config) {
			c.Server.ReadHeaderTimeout = time.Second
			c.Server.ShutdownTimeout = 3 * time.Second
		}},
		{"merge list, first wins", "version: 1\nserver:\n  <<: [{shutdown_timeout: 1s}, {shutdown_timeout: 2s, read_header_timeout: 4s}]\n", func(c *Config) {
			c.Server.ShutdownTimeout = time.Second
			c.Server.ReadHeaderTimeout = 4 * time.Second
		}},
		{"document markers and BOM", "\ufeff---\nversion: 1\nmode: production\n...\n", func(c *Config) { c.Mode = "production" }},
		{"empty trailing document", "version: 1\n---\n", func(c *Config) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(testFile, []byte(tt.in), nil)
			if err != nil {
				t.Fatal(err)
			}
			want := Default()
			tt.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

// The types below stand in for sections later issues add (routes: a list of
// structs, authenticators: a map of named structs), so the decoder is proven
// on every shape before they exist.

type testRoot struct {
	Version        int                 `yaml:"version"`
	Routes         []testRoute         `yaml:"routes"`
	Authenticators map[string]testAuth `yaml:"authenticators"`
	Tags           []string            `yaml:"tags"`
	Optional       *int                `yaml:"optional"`
	Ratio          float64             `yaml:"ratio"`
	Level          testLevel           `yaml:"level"`
	Limits         *testLimit          `yaml:"limits"`
	testCommon     `yaml:",inline"`
}

type testCommon struct {
	Owner string `yaml:"owner"`
}

type testRoute struct {
	Name      string     `yaml:"name"`
	Match     testMatch  `yaml:"match"`
	RateLimit *testLimit `yaml:"rate_limit"`
}

type testMatch struct {
	Path    string   `yaml:"path"`
	Methods []string `yaml:"methods"`
}

type testLimit struct {
	Limit  int           `yaml:"limit"`
	Window time.Duration `yaml:"window"`
}

func (l *testLimit) setDefaults() { l.Window = time.Minute }

type testAuth struct {
	Type         string `yaml:"type"`
	ClientSecret Secret `yaml:"client_secret"`
}

// testLevel is a scalar with its own text form, like a later "10/s" rate.
type testLevel int

func (l *testLevel) UnmarshalText(b []byte) error {
	switch string(b) {
	case "low":
		*l = 1
	case "high":
		*l = 2
	default:
		return fmt.Errorf("expected low or high, got %q", b)
	}
	return nil
}

func (l testLevel) MarshalText() ([]byte, error) { return []byte([]string{"", "low", "high"}[l]), nil }

func decodeTest(t *testing.T, in string) (*testRoot, *state, []string) {
	t.Helper()
	var r testRoot
	st := newState()
	errs, _ := decodeFile(testFile, []byte(in), &r, st)
	var lines []string
	for _, e := range errs.sortedCopy() {
		lines = append(lines, e.Error())
	}
	return &r, st, lines
}

func TestConfigDecodeShapes(t *testing.T) {
	t.Parallel()
	in := `version: 1
owner: ops
routes:
  - name: data
    match: {path: /api/data, methods: [GET, HEAD]}
    rate_limit: {limit: 10}
  - name: admin
    match:
      path: /api/admin/
authenticators:
  own_jwt: {type: jwt}
  "odd name": {type: basic, client_secret: s3cret}
tags: [a, b]
optional: 5
ratio: 0.5
level: high
`
	r, st, errs := decodeTest(t, in)
	wantLines(t, errs, nil)
	seven := 5
	want := &testRoot{
		Version: 1,
		Routes: []testRoute{
			{Name: "data", Match: testMatch{Path: "/api/data", Methods: []string{"GET", "HEAD"}}, RateLimit: &testLimit{Limit: 10, Window: time.Minute}},
			{Name: "admin", Match: testMatch{Path: "/api/admin/"}},
		},
		Authenticators: map[string]testAuth{"own_jwt": {Type: "jwt"}, "odd name": {Type: "basic", ClientSecret: "s3cret"}},
		Tags:           []string{"a", "b"},
		Optional:       &seven,
		Ratio:          0.5,
		Level:          2,
		testCommon:     testCommon{Owner: "ops"},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
	for path, line := range map[string]int{
		"routes[1].match.path":            9,
		"routes[0].rate_limit.limit":      6,
		`authenticators["odd name"].type`: 12,
		"owner":                           2,
	} {
		if got := st.src[path].line; got != line {
			t.Errorf("line of %s = %d, want %d", path, got, line)
		}
	}
}

func TestConfigDecodeShapeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"path with list index", "routes:\n  - name: a\n  - name: b\n  - name: c\n    rate_limit:\n      limit: lots\n",
			[]string{`rampart.yaml:6: routes[2].rate_limit.limit: expected an integer, got "lots"`}},
		{"sequence expected", "routes: {name: a}\n",
			[]string{`rampart.yaml:1: routes: expected a sequence, got a mapping`}},
		{"list element kind", "tags: [a, [b]]\n",
			[]string{`rampart.yaml:1: tags[1]: expected a string, got a sequence`}},
		{"map value unknown key", "authenticators:\n  a: {type: jwt, issuer: x}\n",
			[]string{`rampart.yaml:2: authenticators.a.issuer: unknown key; valid keys are type, client_secret`}},
		{"duplicate map key", "authenticators:\n  a: {type: jwt}\n  a: {type: basic}\n",
			[]string{`rampart.yaml:3: authenticators.a: duplicate key; first set on line 2`}},
		{"map key with a newline is quoted", "authenticators:\n  \"a\\nb\": 5\n",
			[]string{`rampart.yaml:2: authenticators["a\nb"]: expected a mapping, got an integer`}},
		{"text unmarshaler", "level: medium\n",
			[]string{`rampart.yaml:1: level: expected low or high, got "medium"`}},
		{"float", "ratio: half\n",
			[]string{`rampart.yaml:1: ratio: expected a number, got "half"`}},
		{"inline key suggestion", "ownr: x\n",
			[]string{`rampart.yaml:1: ownr: unknown key; did you mean "owner"?`}},
		{"alias inside its own value", "routes: &r\n  - name: a\n  - *r\n",
			[]string{`rampart.yaml:3: routes[1]: alias *r is used inside the value it names`}},
		{"merge of its own mapping", "limits: &l\n  <<: *l\n",
			[]string{`rampart.yaml:2: limits: alias *l is used inside the value it names`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, errs := decodeTest(t, tt.in)
			wantLines(t, errs, tt.want)
		})
	}
}

// TestConfigDecodeAliasBomb feeds a small file whose aliases expand to
// millions of values; the decoder must stop quickly with one clear problem.
func TestConfigDecodeAliasBomb(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("anchors:\n  - &m [" + strings.TrimSuffix(strings.Repeat("GET,", 2000), ",") + "]\n")
	b.WriteString("  - &r {name: r, match: {methods: *m}}\n")
	b.WriteString("routes: [" + strings.TrimSuffix(strings.Repeat("*r,", 2000), ",") + "]\n")
	start := time.Now()
	_, _, errs := decodeTest(t, b.String())
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("decoding took %v", d)
	}
	want := "aliases expand the document far beyond its size"
	found := false
	for _, e := range errs {
		found = found || strings.Contains(e, want)
	}
	if !found || len(errs) > maxDecodeErrors+1 {
		t.Errorf("got %d problems, want one saying %q: %.300q", len(errs), want, errs)
	}
}

func TestConfigDecodeStopsAfterManyProblems(t *testing.T) {
	t.Parallel()
	in := "version: 1\nserver:\n" + strings.Repeat("  bogus_key: 1\n", 300)
	got := parseErrs(t, in)
	if len(got) != maxDecodeErrors+1 || !strings.HasSuffix(got[len(got)-1], "too many problems; stopped after 100") {
		t.Errorf("got %d problems, last %q", len(got), got[len(got)-1])
	}
}

func TestConfigDurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "15s", want: 15 * time.Second},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "90d", want: 90 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "-5s", want: -5 * time.Second},
		{in: "0", want: 0},
		{in: " 2m ", want: 2 * time.Minute},
		{in: "fast", err: `expected a duration like "15s", got "fast"`},
		{in: "30", err: `expected a duration like "15s", got "30" (add a unit: ms, s, m, h or d)`},
		{in: "1d-2h", err: `expected a duration like "15s", got "1d-2h"`},
		{in: "--5s", err: `expected a duration like "15s", got "--5s"`},
		{in: "d", err: `expected a duration like "15s", got "d"`},
		{in: "999999999999d", err: `expected a duration like "15s", got "999999999999d"`},
		{in: "", err: `expected a duration like "15s", got ""`},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("parseDuration(%q) error = %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for d, want := range map[time.Duration]string{
		15 * time.Second: "15s", 15 * time.Minute: "15m", 720 * time.Hour: "720h",
		90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1.5s", 0: "0s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestConfigDecodeNeverPanicsOnOddTypes(t *testing.T) {
	t.Parallel()
	var odd struct {
		C chan int       `yaml:"c"`
		M map[int]string `yaml:"m"`
	}
	errs, _ := decodeFile(testFile, []byte("c: 1\nm: {1: a}\n"), &odd, newState())
	if len(errs) != 2 {
		t.Fatalf("got %v", errs)
	}
	for _, e := range errs {
		if !strings.Contains(e.Msg, "internal error") {
			t.Errorf("got %q, want an internal error", e.Msg)
		}
	}
}
