package clientip

import (
	"iter"
	"net/netip"
	"strings"
)

// The parsers below yield hops right to left, the order in which the walk
// consumes them, so a long header costs nothing beyond the hops the walk
// actually reaches. A hop's address is the zero netip.Addr when the element
// is malformed, obfuscated or "unknown"; the walk stops there.

// xffHops yields the elements of X-Forwarded-For field lines from the right.
// Empty list elements are skipped, as RFC 9110 section 5.6.1 asks.
func xffHops(lines []string) iter.Seq[netip.Addr] {
	return func(yield func(netip.Addr) bool) {
		for i := len(lines) - 1; i >= 0; i-- {
			s := lines[i]
			for {
				j := strings.LastIndexByte(s, ',')
				elem := trimOWS(s[j+1:])
				if elem != "" {
					if !yield(parseXFFElement(elem)) {
						return
					}
				}
				if j < 0 {
					break
				}
				s = s[:j]
			}
		}
	}
}

// parseXFFElement parses one X-Forwarded-For element: an address, with or
// without a port ("192.0.2.1", "192.0.2.1:80", "2001:db8::1",
// "[2001:db8::1]", "[2001:db8::1]:80").
func parseXFFElement(s string) netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		return normalize(a)
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalize(ap.Addr())
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return normalize(a)
		}
	}
	return netip.Addr{}
}

// forwardedHops yields the for= node of each RFC 7239 forwarded-element,
// from the right. Each field line is parsed on its own, so a quote left open
// by a client cannot swallow elements a proxy added on a later line.
func forwardedHops(lines []string) iter.Seq[netip.Addr] {
	return func(yield func(netip.Addr) bool) {
		var buf [8]netip.Addr
		for i := len(lines) - 1; i >= 0; i-- {
			hops := parseForwardedLine(lines[i], buf[:0])
			for j := len(hops) - 1; j >= 0; j-- {
				if !yield(hops[j]) {
					return
				}
			}
		}
	}
}

// parseForwardedLine appends the for= address of each element of one
// Forwarded field line to dst, left to right. An element that does not
// parse, has no for= or two of them, or whose node is "unknown" or
// obfuscated, contributes the zero netip.Addr. Empty elements are skipped.
func parseForwardedLine(s string, dst []netip.Addr) []netip.Addr {
	p := forwardedParser{s: s}
	for {
		p.skipOWS()
		if p.done() {
			return dst
		}
		if p.peek() == ',' { // empty list element
			p.i++
			continue
		}
		addr, ok := p.element()
		if !ok {
			addr = netip.Addr{}
			p.skipElement()
		}
		dst = append(dst, addr)
		if p.done() {
			return dst
		}
		p.i++ // the ',' that ended the element
	}
}

type forwardedParser struct {
	s string
	i int
}

func (p *forwardedParser) done() bool { return p.i >= len(p.s) }
func (p *forwardedParser) peek() byte { return p.s[p.i] }

func (p *forwardedParser) skipOWS() {
	for !p.done() && (p.peek() == ' ' || p.peek() == '\t') {
		p.i++
	}
}

// element parses forwarded-pairs up to the ',' that ends the element (left
// unconsumed) or the end of the line, returning the for= address.
func (p *forwardedParser) element() (netip.Addr, bool) {
	var forVal string
	seenFor := false
	for {
		p.skipOWS()
		if p.done() || p.peek() == ',' {
			break
		}
		if p.peek() == ';' { // empty pair
			p.i++
			continue
		}
		name := p.token()
		if name == "" || p.done() || p.peek() != '=' {
			return netip.Addr{}, false
		}
		p.i++
		var val string
		var ok bool
		if !p.done() && p.peek() == '"' {
			val, ok = p.quoted()
		} else {
			val = p.token()
			ok = val != ""
		}
		if !ok {
			return netip.Addr{}, false
		}
		if strings.EqualFold(name, "for") {
			if seenFor {
				return netip.Addr{}, false
			}
			seenFor, forVal = true, val
		}
		p.skipOWS()
		if !p.done() && p.peek() != ';' && p.peek() != ',' {
			return netip.Addr{}, false
		}
	}
	if !seenFor {
		return netip.Addr{}, false
	}
	return parseNode(forVal), true
}

// skipElement moves past the rest of a malformed element, honouring quoted
// strings, to the ',' that ends it or the end of the line.
func (p *forwardedParser) skipElement() {
	inQuote := false
	for ; !p.done(); p.i++ {
		c := p.peek()
		switch {
		case inQuote && c == '\\':
			p.i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == ',':
			return
		}
	}
}

func (p *forwardedParser) token() string {
	start := p.i
	for !p.done() && isTchar(p.peek()) {
		p.i++
	}
	return p.s[start:p.i]
}

// quoted parses a quoted-string starting at the opening quote. It returns
// false for an unterminated string or a control character inside it.
func (p *forwardedParser) quoted() (string, bool) {
	p.i++ // opening quote
	var b strings.Builder
	start := p.i
	escaped := false
	for !p.done() {
		c := p.peek()
		switch {
		case c == '\\':
			if p.i+1 >= len(p.s) || !isQdText(p.s[p.i+1]) {
				return "", false
			}
			b.WriteString(p.s[start:p.i])
			b.WriteByte(p.s[p.i+1])
			escaped = true
			p.i += 2
			start = p.i
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			if escaped {
				b.WriteString(v)
				return b.String(), true
			}
			return v, true
		case !isQdText(c):
			return "", false
		default:
			p.i++
		}
	}
	return "", false
}

// parseNode parses an RFC 7239 node: IPv4 or "[IPv6]", each optionally
// followed by ":port". "unknown", obfuscated identifiers ("_abc") and
// anything else yield the zero netip.Addr.
func parseNode(s string) netip.Addr {
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}
		}
		host, port = s[1:end], s[end+1:]
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" || !validPort(port) {
			return netip.Addr{}
		}
		return normalize(a)
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i:]
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is4() || !validPort(port) {
		return netip.Addr{}
	}
	return a
}

// validPort accepts "", ":" followed by 1 to 5 digits, or an obfuscated port
// (":_" followed by ALPHA / DIGIT / "." / "_" / "-").
func validPort(s string) bool {
	if s == "" {
		return true
	}
	if s[0] != ':' || len(s) == 1 {
		return false
	}
	s = s[1:]
	if s[0] == '_' {
		for i := 1; i < len(s); i++ {
			c := s[i]
			if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
				return false
			}
		}
		return len(s) > 1
	}
	if len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isTchar reports whether c is an RFC 9110 token character.
func isTchar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isQdText reports whether c may appear in a quoted-string (HTAB, SP,
// VCHAR, obs-text).
func isQdText(c byte) bool { return c == '\t' || c >= 0x20 && c != 0x7f }

func trimOWS(s string) string {
	return strings.Trim(s, " \t")
}
