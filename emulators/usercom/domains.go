package usercom

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// checkDomain refuses a request from a domain the app does not trust (UC-3;
// the seed's troubleshooting section: "verify that domain the request from
// is trusted"). The domain is the host of the Origin header, else of the
// Referer header, else of context.page.url. A request with none of them is
// allowed (decision: server-side traffic has no page).
func (st *State) checkDomain(h http.Header, m *segment.Message) error {
	if len(st.TrustedDomains) == 0 {
		return nil
	}
	host, source := requestHost(h, m)
	if host == "" || st.trusted(host) {
		return nil
	}
	return emulators.Errorf(http.StatusForbidden,
		"domain %q (from %s) is not a trusted domain of this app; trusted domains: %s",
		host, source, strings.Join(st.TrustedDomains, ", "))
}

// requestHost returns the host the request comes from and where it was
// found. (decision) A source without a host (Origin: null, a relative
// Referer) does not count and the next source is tried.
func requestHost(h http.Header, m *segment.Message) (host, source string) {
	if h != nil {
		if host = urlHost(h.Get("Origin")); host != "" {
			return host, "the Origin header"
		}
		if host = urlHost(h.Get("Referer")); host != "" {
			return host, "the Referer header"
		}
	}
	if page, ok := m.Context.Nested("page"); ok {
		if host = urlHost(memberString(page, "url")); host != "" {
			return host, "context.page.url"
		}
	}
	return "", ""
}

// urlHost is the lower-case host of an absolute URL, without port or
// trailing dot; "" when there is none.
func urlHost(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return canonicalHost(u.Hostname())
}

func canonicalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// trusted reports whether host is a trusted domain or a real sub-domain of
// one: shop.example.com is under example.com, evilexample.com is not. It
// walks up the host's labels, so it costs one map probe per label, not one
// comparison per trusted domain. An IP address matches only exactly.
func (st *State) trusted(host string) bool {
	if _, ok := st.domains[host]; ok {
		return true
	}
	if net.ParseIP(host) != nil {
		return false
	}
	for {
		i := strings.IndexByte(host, '.')
		if i < 0 {
			return false
		}
		host = host[i+1:]
		if _, ok := st.domains[host]; ok && net.ParseIP(host) == nil {
			return true
		}
	}
}

// addDomain adds a trusted domain. It takes a bare host ("example.com") or
// a URL, whose host is used; the result is lower case. A duplicate is a 409.
func (st *State) addDomain(s string) (string, error) {
	d, err := parseDomain(s)
	if err != nil {
		return "", err
	}
	if _, ok := st.domains[d]; ok {
		return "", emulators.Conflict("domain %q is already trusted", d)
	}
	st.TrustedDomains = append(st.TrustedDomains, d)
	st.domains[d] = struct{}{}
	return d, nil
}

// removeDomain removes a trusted domain; an unknown one is a 404.
func (st *State) removeDomain(s string) (string, error) {
	d, err := parseDomain(s)
	if err != nil {
		return "", err
	}
	if _, ok := st.domains[d]; !ok {
		return "", emulators.NotFound("domain %q is not a trusted domain of this app", d)
	}
	delete(st.domains, d)
	for i, t := range st.TrustedDomains {
		if t == d {
			st.TrustedDomains = append(st.TrustedDomains[:i], st.TrustedDomains[i+1:]...)
			break
		}
	}
	return d, nil
}

// parseDomain checks and canonicalizes a trusted domain.
func parseDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		s = urlHost(s)
	} else if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	}
	d := canonicalHost(s)
	if d == "" {
		return "", emulators.BadRequest("domain is required")
	}
	if net.ParseIP(d) != nil {
		return d, nil
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", emulators.BadRequest("domain %q is not a host name", s)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return "", emulators.BadRequest("domain %q is not a host name (character %q)", s, c)
			}
		}
	}
	return d, nil
}
