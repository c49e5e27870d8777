package password_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rampart-sec/rampart/password"
)

// Hashing a new password and checking it at login.
func Example() {
	h, err := password.NewHasher(password.DefaultParams(), nil) // nil: crypto/rand
	if err != nil {
		panic(err)
	}
	stored, err := h.Hash("correct horse battery staple")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(stored, "$argon2id$v=19$m=19456,t=2,p=1$"))

	ok, needsRehash, err := h.Verify(stored, "correct horse battery staple")
	fmt.Println(ok, needsRehash, err)
	ok, _, err = h.Verify(stored, "Tr0ub4dor&3")
	fmt.Println(ok, err)
	// Output:
	// true
	// true false <nil>
	// false <nil>
}

// A user imported from a Django site logs in: the Django hash verifies, and
// is replaced by an argon2id hash of the password just checked.
func ExampleHasher_Verify() {
	h, err := password.NewHasher(password.DefaultParams(), nil)
	if err != nil {
		panic(err)
	}
	stored := "pbkdf2_sha1$1500$YhR73tSuC2RxljqMBJTRbi$iWvxDFuZk96SFehrMybJ3FoCaNQ="
	pw := "correct horse battery staple"

	ok, needsRehash, err := h.Verify(stored, pw)
	switch {
	case err != nil:
		fmt.Println("unusable stored hash:", err) // log it; refuse the login
		return
	case !ok:
		fmt.Println("wrong password")
		return
	}
	if needsRehash {
		if stored, err = h.Hash(pw); err != nil {
			panic(err)
		}
		// ... store the new hash in place of the old one.
	}
	scheme, _ := password.Identify(stored)
	fmt.Println("logged in; hash now", scheme)
	// Output:
	// logged in; hash now argon2id
}

// An unknown user name costs as much time as a wrong password.
func ExampleHasher_DummyVerify() {
	h, err := password.NewHasher(password.DefaultParams(), nil)
	if err != nil {
		panic(err)
	}
	users := map[string]string{} // user name -> stored hash
	login := func(user, pw string) bool {
		stored, found := users[user]
		if !found {
			h.DummyVerify(pw)
			return false
		}
		ok, _, err := h.Verify(stored, pw)
		return ok && err == nil
	}
	fmt.Println(login("mallory", "guess"))
	// Output: false
}

// Checking rows before an import, so that nothing malformed is written.
func ExampleIdentify() {
	for _, row := range []string{
		"$2a$04$.sqBaIGIlUvaHI4GBHEY7O5qi48yAJthjjAjfOF2omC11SEeUv2aG",
		"scrypt:32768:8:1$salt$abc",
		"$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
	} {
		scheme, err := password.Identify(row)
		switch {
		case errors.Is(err, password.ErrMalformedHash):
			fmt.Printf("%s: reject row: %v\n", scheme, err)
		case errors.Is(err, password.ErrUnsupportedHash):
			fmt.Println("reject row:", err)
		default:
			fmt.Println("import as", scheme)
		}
	}
	// Output:
	// import as bcrypt
	// werkzeug-scrypt: reject row: malformed password hash: werkzeug-scrypt: hash: odd-length hex
	// reject row: unsupported password hash scheme: md5-crypt
}

// Parameters weaker than the OWASP table are refused, with every problem
// named.
func ExampleCheckParams() {
	p := password.DefaultParams()
	p.MemoryKiB, p.SaltLen = 8192, 8
	fmt.Println(password.CheckParams(p))
	// Output:
	// invalid argon2id parameters: MemoryKiB*Time 8192*2 = 16384 is below the minimum 35840 (OWASP pairs: 47104/1, 19456/2, 12288/3, 9216/4, 7168/5); SaltLen 8 is below the minimum 16
}
