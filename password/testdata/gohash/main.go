// Command gohash prints argon2id hashes made by this package as JSON, for
// gen_vectors.py to check with argon2-cffi. Run it from the password
// directory: go run ./testdata/gohash
package main

import (
	"encoding/json"
	"log"
	"os"

	"github.com/rampart-sec/rampart/password"
)

func main() {
	cheap := password.Params{MemoryKiB: 7168, Time: 5, Threads: 1, SaltLen: 16, KeyLen: 32}
	wide := password.Params{MemoryKiB: 12288, Time: 3, Threads: 4, SaltLen: 24, KeyLen: 64}
	type vector struct {
		Password string `json:"password"`
		Hash     string `json:"hash"`
	}
	var out []vector
	for _, c := range []struct {
		p  password.Params
		pw string
	}{
		{password.DefaultParams(), "correct horse battery staple"},
		{cheap, "pässwörd ☃"},
		{cheap, ""},
		{wide, "a password that is much longer than seventy-two bytes, to see that argon2id keeps all of it"},
	} {
		h, err := password.NewHasher(c.p, nil)
		if err != nil {
			log.Fatal(err)
		}
		enc, err := h.Hash(c.pw)
		if err != nil {
			log.Fatal(err)
		}
		out = append(out, vector{c.pw, enc})
	}
	e := json.NewEncoder(os.Stdout)
	e.SetIndent("", "  ")
	if err := e.Encode(out); err != nil {
		log.Fatal(err)
	}
}
