package telemetry

import "strings"

// Scrub returns s with credentials masked wherever they appear in free
// text (log messages, error messages, header and query values):
//
//   - the credential after "Bearer", "Basic", "Token" or "Digest";
//   - the value after a credential name followed by ':' or '=' (password=…,
//     "client_secret":"…", Authorization: …, Cookie: … to the end of the line);
//   - JWTs (three base64url parts starting with "eyJ"), rampart API keys
//     ("rk_…"), and any run of 32 or more token characters that mixes upper
//     case, lower case and digits (refresh tokens, codes, client secrets);
//   - the password in a URL's user information (postgres://u:…@host).
//
// Hex digests, UUIDs, request and trace ids (lower case and digits) are
// kept. s is returned as is, without allocating, when there is nothing to
// mask.
func Scrub(s string) string {
	if !needsScrub(s) {
		return s
	}
	return scrubWords(scrubURLPasswords(s))
}

// wordChars is the byte class of token characters; it is never written
// after initialisation.
var wordChars = func() (t [256]bool) {
	for c := range 256 {
		b := byte(c)
		t[c] = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
			b == '-' || b == '_' || b == '.' || b == '~' || b == '+' || b == '=' || b == '%'
	}
	return t
}()

func isWordChar(c byte) bool { return wordChars[c] }

// needsScrub is the fast pre-check: false means Scrub has nothing to do.
func needsScrub(s string) bool {
	run, longest := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=' || c == '@':
			return true
		case c == ':' && i > 0 && isWordChar(s[i-1]) || c == '"' && i+1 < len(s) && s[i+1] == ':':
			// "name: value" / "name":"value": only when name is a credential.
			k := i - 1
			for k >= 0 && isWordChar(s[k]) {
				k--
			}
			if name := s[k+1 : i]; SensitiveKey(name) || SensitiveParam(name) || headerLike(name) {
				return true
			}
		}
		if isWordChar(c) {
			run++
			longest = max(longest, run)
		} else {
			if run > 0 && wordBeforeIsScheme(s[i-run:i]) && c == ' ' {
				return true
			}
			run = 0
		}
	}
	if longest >= 20 {
		return true
	}
	return false
}

func wordBeforeIsScheme(w string) bool {
	if len(w) < 4 || len(w) > 9 || w[0]|0x20 != 'b' && w[0]|0x20 != 't' && w[0]|0x20 != 'd' && w[0]|0x20 != 'n' {
		return false
	}
	return strings.EqualFold(w, "bearer") || strings.EqualFold(w, "basic") || strings.EqualFold(w, "token") ||
		strings.EqualFold(w, "digest") || strings.EqualFold(w, "negotiate") || strings.EqualFold(w, "dpop")
}

// headerLike names values that run to the end of the line (they contain spaces).
func headerLike(w string) bool {
	return strings.EqualFold(w, "authorization") || strings.EqualFold(w, "proxy-authorization") ||
		strings.EqualFold(w, "cookie") || strings.EqualFold(w, "set-cookie")
}

// scrubWords masks the credential-looking words of s (see Scrub).
func scrubWords(s string) string {
	var b strings.Builder
	out := 0 // s[out:] is not yet copied to b
	mask := func(from, to int) {
		if b.Len() == 0 && out == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[out:from])
		b.WriteString(Redacted)
		out = to
	}
	i := 0
	for i < len(s) {
		if !isWordChar(s[i]) {
			i++
			continue
		}
		start := i
		for i < len(s) && isWordChar(s[i]) {
			i++
		}
		w := s[start:i]
		// "Bearer xyz", "Basic xyz".
		if wordBeforeIsScheme(w) && i+1 < len(s) && s[i] == ' ' && isWordChar(s[i+1]) {
			j := i + 1
			for j < len(s) && isWordChar(s[j]) {
				j++
			}
			mask(i+1, j)
			i = j
			continue
		}
		// name=value inside one word.
		if eq := strings.IndexByte(w, '='); eq > 0 && eq < len(w)-1 {
			name := strings.TrimLeft(w[:eq], "?&;")
			if SensitiveParam(name) || SensitiveKey(name) {
				mask(start+eq+1, i)
				continue
			}
			if looksSecret(w[eq+1:]) {
				mask(start+eq+1, i)
				continue
			}
		}
		// name: value, "name":"value", name = value.
		if (SensitiveKey(w) || SensitiveParam(w)) && i < len(s) {
			j := i
			if j < len(s) && s[j] == '"' {
				j++
			}
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if j < len(s) && (s[j] == ':' || s[j] == '=') {
				j++
				for j < len(s) && s[j] == ' ' {
					j++
				}
				end := j
				switch {
				case j < len(s) && s[j] == '"':
					j++
					end = j
					for end < len(s) && s[end] != '"' {
						if s[end] == '\\' {
							end++
						}
						end++
					}
					end = min(end, len(s))
				case headerLike(w):
					for end < len(s) && s[end] != '\n' && s[end] != '"' {
						end++
					}
				default:
					for end < len(s) && s[end] != ' ' && s[end] != ',' && s[end] != '&' && s[end] != ';' && s[end] != '\n' && s[end] != '"' && s[end] != '}' {
						end++
					}
				}
				if end > j {
					mask(j, end)
					i = end
					continue
				}
			}
		}
		if looksSecret(w) {
			mask(start, i)
		}
	}
	if out == 0 {
		return s
	}
	b.WriteString(s[out:])
	return b.String()
}

// looksSecret reports whether a word is a token: a JWT, a rampart API key,
// or a long run that mixes upper case, lower case and digits.
func looksSecret(w string) bool {
	if strings.HasPrefix(w, "rk_") && len(w) >= 16 {
		return true
	}
	if strings.HasPrefix(w, "eyJ") && strings.Count(w, ".") >= 2 {
		return true
	}
	if len(w) < 32 {
		return false
	}
	var up, low, dig bool
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= 'a' && c <= 'z':
			low = true
		case c >= '0' && c <= '9':
			dig = true
		}
	}
	return up && low && dig
}

// scrubURLPasswords masks the password of every scheme://user:password@host in s.
func scrubURLPasswords(s string) string {
	from := 0
	for {
		k := strings.Index(s[from:], "://")
		if k < 0 {
			return s
		}
		k += from + 3
		end := k
		for end < len(s) && !strings.ContainsRune("/?# \t\n\"'", rune(s[end])) {
			end++
		}
		auth := s[k:end]
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			if colon := strings.IndexByte(auth[:at], ':'); colon >= 0 && colon < at-1 {
				s = s[:k+colon+1] + Redacted + s[k+at:]
				end = k + colon + 1 + len(Redacted) + (len(auth) - at)
			}
		}
		from = end
	}
}
