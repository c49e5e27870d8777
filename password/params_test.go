package password

import (
	"strings"
	"testing"
)

func TestDefaultParams(t *testing.T) {
	t.Parallel()
	want := Params{MemoryKiB: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	if got := DefaultParams(); got != want {
		t.Fatalf("DefaultParams() = %+v; want %+v", got, want)
	}
	if err := CheckParams(want); err != nil {
		t.Fatalf("CheckParams(DefaultParams()) = %v", err)
	}
}

func TestCheckParams(t *testing.T) {
	t.Parallel()
	ok := DefaultParams()
	with := func(f func(*Params)) Params {
		p := ok
		f(&p)
		return p
	}
	valid := []struct {
		name string
		p    Params
	}{
		{"owasp 47104/1", with(func(p *Params) { p.MemoryKiB, p.Time = 47104, 1 })},
		{"owasp 19456/2", ok},
		{"owasp 12288/3", with(func(p *Params) { p.MemoryKiB, p.Time = 12288, 3 })},
		{"owasp 9216/4", with(func(p *Params) { p.MemoryKiB, p.Time = 9216, 4 })},
		{"owasp 7168/5", with(func(p *Params) { p.MemoryKiB, p.Time = 7168, 5 })},
		{"product boundary 35840/1", with(func(p *Params) { p.MemoryKiB, p.Time = 35840, 1 })},
		{"product boundary 17920/2", with(func(p *Params) { p.MemoryKiB = 17920 })},
		{"rfc 9106 first", Params{MemoryKiB: 2097152, Time: 1, Threads: 4, SaltLen: 16, KeyLen: 32}},
		{"max bounds", Params{MemoryKiB: MaxMemoryKiB, Time: MaxTime, Threads: 255, SaltLen: MaxSaltLen, KeyLen: MaxKeyLen}},
		{"min lengths", with(func(p *Params) { p.SaltLen, p.KeyLen = 16, 16 })},
	}
	for _, c := range valid {
		t.Run("valid/"+c.name, func(t *testing.T) {
			if err := CheckParams(c.p); err != nil {
				t.Fatalf("CheckParams(%+v) = %v; want nil", c.p, err)
			}
		})
	}
	invalid := []struct {
		name string
		p    Params
		want []string // substrings of the error: the field and its value
	}{
		{"zero value", Params{}, []string{"MemoryKiB 0", "Time 0", "Threads 0", "SaltLen 0", "KeyLen 0"}},
		{"memory below table", with(func(p *Params) { p.MemoryKiB, p.Time = 7167, 6 }), []string{"MemoryKiB 7167"}},
		{"47104/0", with(func(p *Params) { p.MemoryKiB, p.Time = 47104, 0 }), []string{"Time 0"}},
		{"35839/1", with(func(p *Params) { p.MemoryKiB, p.Time = 35839, 1 }), []string{"MemoryKiB*Time", "35839"}},
		{"17919/2", with(func(p *Params) { p.MemoryKiB = 17919 }), []string{"MemoryKiB*Time", "17919*2 = 35838"}},
		{"11946/3", with(func(p *Params) { p.MemoryKiB, p.Time = 11946, 3 }), []string{"MemoryKiB*Time"}},
		{"8959/4", with(func(p *Params) { p.MemoryKiB, p.Time = 8959, 4 }), []string{"MemoryKiB*Time"}},
		{"7168/4", with(func(p *Params) { p.MemoryKiB, p.Time = 7168, 4 }), []string{"MemoryKiB*Time", "28672"}},
		{"memory above max", with(func(p *Params) { p.MemoryKiB = MaxMemoryKiB + 1 }), []string{"MemoryKiB 4194305"}},
		{"time above max", with(func(p *Params) { p.Time = 65 }), []string{"Time 65"}},
		{"no threads", with(func(p *Params) { p.Threads = 0 }), []string{"Threads 0"}},
		{"short salt", with(func(p *Params) { p.SaltLen = 8 }), []string{"SaltLen 8"}},
		{"long salt", with(func(p *Params) { p.SaltLen = MaxSaltLen + 1 }), []string{"SaltLen 1025"}},
		{"short key", with(func(p *Params) { p.KeyLen = 15 }), []string{"KeyLen 15"}},
		{"long key", with(func(p *Params) { p.KeyLen = MaxKeyLen + 1 }), []string{"KeyLen 1025"}},
	}
	for _, c := range invalid {
		t.Run("invalid/"+c.name, func(t *testing.T) {
			err := CheckParams(c.p)
			wantErrIs(t, err, ErrInvalidParams)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("CheckParams(%+v) = %q; want it to mention %q", c.p, err, w)
				}
			}
			if _, err := NewHasher(c.p, nil); err == nil {
				t.Errorf("NewHasher(%+v) accepted invalid params", c.p)
			}
		})
	}
}
