package token

import (
	"slices"
	"testing"
	"time"
)

func TestEachMember(t *testing.T) {
	t.Parallel()
	type member struct{ name, value string }
	for _, tc := range []struct {
		in   string
		want []member
		ok   bool
	}{
		{`{}`, nil, true},
		{" \t\r\n{ } \n", nil, true},
		{`{"a":1}`, []member{{"a", "1"}}, true},
		{`{"a" : "x\"}" , "b":[1,{"c":"]"}],"d":{"e":{}}}`, []member{{"a", `"x\"}"`}, {"b", `[1,{"c":"]"}]`}, {"d", `{"e":{}}`}}, true},
		{`{"\u006bid":true,"k\"":null}`, []member{{"kid", "true"}, {`k"`, "null"}}, true},
		{`{"a":-1.5e3}`, []member{{"a", "-1.5e3"}}, true},
		// Not objects, or broken: an error, never a panic.
		{``, nil, false},
		{`[]`, nil, false},
		{`null`, nil, false},
		{`{`, nil, false},
		{`{"a"`, nil, false},
		{`{"a":`, nil, false},
		{`{"a":1`, nil, false},
		{`{"a":1,}`, nil, false},
		{`{"a" 1}`, nil, false},
		{`{"a":"1}`, nil, false},
		{`{"a":[1}`, nil, false},
		{`{a:1}`, nil, false},
		{`{"a":1} x`, nil, false},
		{`{"a":1}}`, nil, false},
		{`{"a\u":1}`, nil, false},
		{`{"a":}`, nil, false},
	} {
		var got []member
		err := eachMember([]byte(tc.in), func(name, value []byte) error {
			got = append(got, member{string(name), string(value)})
			return nil
		})
		if (err == nil) != tc.ok {
			t.Errorf("eachMember(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && !slices.Equal(got, tc.want) {
			t.Errorf("eachMember(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJSONValues(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{`"abc"`: "abc", `""`: "", `"a\nb"`: "a\nb", `"\u00e9"`: "é", `"é"`: "é"} {
		if got, err := jsonString([]byte(in)); err != nil || got != want {
			t.Errorf("jsonString(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`1`, `null`, `["a"]`, `"`, ``, `"a`} {
		if got, err := jsonString([]byte(in)); err == nil {
			t.Errorf("jsonString(%s) = %q, want an error", in, got)
		}
	}
	for in, want := range map[string][]string{`[]`: nil, `["a"]`: {"a"}, ` [ "a" , "b\"" ] `: {"a", `b"`}} {
		if got, err := jsonStrings([]byte(in)); err != nil || !slices.Equal(got, want) {
			t.Errorf("jsonStrings(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`"a"`, `[1]`, `[null]`, `["a",]`, `{}`, `null`} {
		if got, err := jsonStrings([]byte(in)); err == nil {
			t.Errorf("jsonStrings(%s) = %q, want an error", in, got)
		}
	}
	for in, want := range map[string]time.Time{
		`0`:            time.Unix(0, 0),
		`1772366400`:   t0,
		`1772366400.5`: t0.Add(time.Second / 2),
		`1.7723664e9`:  t0,
		`-0`:           time.Unix(0, 0),
		`253402300799`: time.Unix(maxNumericDate, 0),
	} {
		if got, err := jsonNumericDate([]byte(in)); err != nil || !got.Equal(want) {
			t.Errorf("jsonNumericDate(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{`-1`, `253402300800`, `1e400`, `"1"`, `null`, `true`, ``, `1234567890123`} {
		if got, err := jsonNumericDate([]byte(in)); err == nil {
			t.Errorf("jsonNumericDate(%s) = %s, want an error", in, got)
		}
	}
}
