package fernet

import (
	"bytes"
	"testing"
	"time"
)

// specVector is one entry of the spec's generate.json, verify.json or
// invalid.json.
type specVector struct {
	Desc   string `json:"desc"`
	Token  string `json:"token"`
	Now    string `json:"now"`
	IV     []int  `json:"iv"`
	Src    string `json:"src"`
	Secret string `json:"secret"`
	TTLSec int64  `json:"ttl_sec"`
}

// specNow parses a vector's RFC 3339 time.
func specNow(t *testing.T, v specVector) time.Time {
	t.Helper()
	now, err := time.Parse(time.RFC3339, v.Now)
	if err != nil {
		t.Fatalf("now %q: %v", v.Now, err)
	}
	return now
}

func TestFernetSpecGenerate(t *testing.T) {
	t.Parallel()
	var vs []specVector
	readJSON(t, "testdata/spec/generate.json", &vs)
	if len(vs) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range vs {
		t.Run(v.Token, func(t *testing.T) {
			t.Parallel()
			iv := make([]byte, len(v.IV))
			for i, b := range v.IV {
				iv[i] = byte(b)
			}
			now := specNow(t, v)
			f := mustNew(t, []string{v.Secret}, WithRand(bytes.NewReader(iv)), WithClock(func() time.Time { return now }))
			got, err := f.Encrypt([]byte(v.Src))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != v.Token {
				t.Errorf("Encrypt = %s\nwant      %s", got, v.Token)
			}
		})
	}
}

func TestFernetSpecVerify(t *testing.T) {
	t.Parallel()
	var vs []specVector
	readJSON(t, "testdata/spec/verify.json", &vs)
	if len(vs) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range vs {
		t.Run(v.Token, func(t *testing.T) {
			t.Parallel()
			now := specNow(t, v)
			f := mustNew(t, []string{v.Secret}, WithClock(func() time.Time { return now }))
			got, err := f.Decrypt([]byte(v.Token), time.Duration(v.TTLSec)*time.Second)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if string(got) != v.Src {
				t.Errorf("Decrypt = %q, want %q", got, v.Src)
			}
		})
	}
}

func TestFernetSpecInvalid(t *testing.T) {
	t.Parallel()
	var vs []specVector
	readJSON(t, "testdata/spec/invalid.json", &vs)
	if len(vs) != 11 {
		t.Fatalf("got %d invalid vectors, want the spec's 11", len(vs))
	}
	for _, v := range vs {
		t.Run(v.Desc, func(t *testing.T) {
			t.Parallel()
			now := specNow(t, v)
			f := mustNew(t, []string{v.Secret}, WithClock(func() time.Time { return now }))
			got, err := f.Decrypt([]byte(v.Token), time.Duration(v.TTLSec)*time.Second)
			if err != ErrInvalidToken || got != nil {
				t.Errorf("Decrypt = %q, %v; want nil, ErrInvalidToken", got, err)
			}
		})
	}
}
