package fernet

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"
)

// pythonVectors is testdata/python_vectors.json, written by
// testdata/gen_python_vectors.py with the real Python cryptography.
type pythonVectors struct {
	Cryptography string            `json:"cryptography_version"`
	Keys         map[string]string `json:"keys"`
	Encrypt      []struct {
		Name      string `json:"name"`
		Key       string `json:"key"`
		Now       int64  `json:"now"`
		IV        string `json:"iv"`
		Plaintext string `json:"plaintext_b64"`
		Token     string `json:"token"`
	} `json:"encrypt"`
	Rotate []struct {
		Name      string   `json:"name"`
		Keys      []string `json:"keys"`
		Token     string   `json:"token"`
		IV        string   `json:"iv"`
		Rotated   string   `json:"rotated"`
		Plaintext string   `json:"plaintext_b64"`
		Timestamp uint64   `json:"timestamp"`
	} `json:"rotate"`
	Decrypt []struct {
		Name          string   `json:"name"`
		Keys          []string `json:"keys"`
		Token         string   `json:"token_b64"`
		TTL           *int64   `json:"ttl"`
		Now           *int64   `json:"now"`
		PythonAccepts bool     `json:"python_accepts"`
		GoAccepts     bool     `json:"go_accepts"`
		Plaintext     *string  `json:"plaintext_b64"`
		Divergence    string   `json:"divergence"`
	} `json:"decrypt"`
	Timestamp []struct {
		Name       string   `json:"name"`
		Keys       []string `json:"keys"`
		Token      string   `json:"token_b64"`
		Python     *uint64  `json:"python_timestamp"`
		Go         *int64   `json:"go_timestamp"`
		Divergence string   `json:"divergence"`
	} `json:"timestamp"`
}

// loadPythonVectors reads the committed vectors.
func loadPythonVectors(t *testing.T) pythonVectors {
	t.Helper()
	var pv pythonVectors
	readJSON(t, "testdata/python_vectors.json", &pv)
	if len(pv.Encrypt) == 0 || len(pv.Rotate) == 0 || len(pv.Decrypt) == 0 || len(pv.Timestamp) == 0 {
		t.Fatal("python_vectors.json has an empty section")
	}
	return pv
}

// keyList maps vector key names to encoded keys.
func (pv pythonVectors) keyList(t *testing.T, names ...string) []string {
	t.Helper()
	out := make([]string, len(names))
	for i, n := range names {
		k, ok := pv.Keys[n]
		if !ok {
			t.Fatalf("unknown key %q", n)
		}
		out[i] = k
	}
	return out
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFernetPythonVectorsEncrypt(t *testing.T) {
	t.Parallel()
	pv := loadPythonVectors(t)
	for _, v := range pv.Encrypt {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			plain := b64(t, v.Plaintext)
			f := mustNew(t, pv.keyList(t, v.Key), WithClock(clockAt(v.Now)), WithRand(bytes.NewReader(mustHex(t, v.IV))))
			got, err := f.Encrypt(plain)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != v.Token {
				t.Errorf("Go token differs from Python's\n got %s\nwant %s", got, v.Token)
			}
			back, err := f.Decrypt([]byte(v.Token), 0)
			if err != nil || !bytes.Equal(back, plain) {
				t.Errorf("Decrypt(Python token) = %q, %v; want %q", back, err, plain)
			}
		})
	}
}

func TestFernetPythonVectorsRotate(t *testing.T) {
	t.Parallel()
	pv := loadPythonVectors(t)
	for _, v := range pv.Rotate {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			f := mustNew(t, pv.keyList(t, v.Keys...), WithRand(bytes.NewReader(mustHex(t, v.IV))))
			got, err := f.Rotate([]byte(v.Token))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != v.Rotated {
				t.Errorf("Rotate differs from MultiFernet.rotate\n got %s\nwant %s", got, v.Rotated)
			}
			// Only the first key is needed for the rotated token.
			first := mustNew(t, pv.keyList(t, v.Keys[0]))
			plain, err := first.Decrypt([]byte(v.Rotated), 0)
			if err != nil || !bytes.Equal(plain, b64(t, v.Plaintext)) {
				t.Errorf("Decrypt(rotated) = %q, %v", plain, err)
			}
			if v.Timestamp <= 1<<63-1 {
				ts, err := first.Timestamp([]byte(v.Rotated))
				if err != nil || ts.Unix() != int64(v.Timestamp) {
					t.Errorf("Timestamp(rotated) = %v, %v; want %d", ts, err, v.Timestamp)
				}
			}
		})
	}
}

func TestFernetPythonVectorsDecrypt(t *testing.T) {
	t.Parallel()
	pv := loadPythonVectors(t)
	for _, v := range pv.Decrypt {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			if v.PythonAccepts != v.GoAccepts && v.Divergence == "" {
				t.Fatal("vector file: Go and Python verdicts differ without a stated divergence")
			}
			if v.Divergence != "" {
				t.Logf("known divergence from Python: %s", v.Divergence)
			}
			var opts []Option
			var ttl time.Duration
			if v.TTL != nil {
				ttl = time.Duration(*v.TTL) * time.Second
				opts = append(opts, WithClock(clockAt(*v.Now)))
			}
			f := mustNew(t, pv.keyList(t, v.Keys...), opts...)
			got, err := f.Decrypt(b64(t, v.Token), ttl)
			if !v.GoAccepts {
				if err != ErrInvalidToken || got != nil {
					t.Errorf("Decrypt = %q, %v; want nil, ErrInvalidToken", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if want := b64(t, *v.Plaintext); !bytes.Equal(got, want) {
				t.Errorf("Decrypt = %q, want %q", got, want)
			}
		})
	}
}

func TestFernetPythonVectorsTimestamp(t *testing.T) {
	t.Parallel()
	pv := loadPythonVectors(t)
	for _, v := range pv.Timestamp {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			if (v.Python == nil) != (v.Go == nil) && v.Divergence == "" {
				t.Fatal("vector file: Go and Python differ without a stated divergence")
			}
			f := mustNew(t, pv.keyList(t, v.Keys...))
			got, err := f.Timestamp(b64(t, v.Token))
			if v.Go == nil {
				if err != ErrInvalidToken {
					t.Errorf("Timestamp = %v, %v; want ErrInvalidToken", got, err)
				}
				return
			}
			if err != nil || got.Unix() != *v.Go || got.Location() != time.UTC {
				t.Errorf("Timestamp = %v, %v; want Unix %d in UTC", got, err, *v.Go)
			}
		})
	}
}
