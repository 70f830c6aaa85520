package connect

import (
	"sync"
	"time"

	// Connect only accepts Olson names (seed, Identify). The IANA database
	// is embedded so that the check answers the same in a scratch image
	// with no /usr/share/zoneinfo.
	_ "time/tzdata"
)

// zoneChecker decides whether a string is an IANA (Olson) zone name (CN-6).
// It remembers the names it found valid (at most the few hundred the
// database holds), so the hot path loads each zone once.
type zoneChecker struct {
	valid sync.Map // zone name → struct{}
}

func newZoneChecker() *zoneChecker { return &zoneChecker{} }

// check returns "" for an IANA zone name, else why it is not one.
//
// time.LoadLocation accepts more than zone names, and prefers the system's
// zoneinfo directory to the embedded database, so names are first held to
// the shape every name in the database has: components joined by '/', each
// starting with an upper-case letter, then letters, digits, '_', '+' and
// '-'. That refuses "" and "Local" (which LoadLocation maps to UTC and the
// server's zone), "+01:00", and files that only a system directory holds
// (posixrules, posix/…, right/…, zone.tab). (decision) "UTC", "GMT" and the
// other names the database keeps for backward compatibility are accepted:
// they are in it; "PST" is not, and "Mars/Base" does not load.
func (z *zoneChecker) check(name string) string {
	if _, ok := z.valid.Load(name); ok {
		return ""
	}
	if !zoneShaped(name) || name == "Local" {
		return "is not an IANA (Olson) zone name such as Europe/Stockholm"
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "is not a zone in the IANA (Olson) database"
	}
	z.valid.Store(name, struct{}{})
	return ""
}

// zoneShaped reports whether name has the shape of an IANA zone name.
func zoneShaped(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	start := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case start:
			if c < 'A' || c > 'Z' {
				return false
			}
			start = false
		case c == '/':
			start = true
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '+', c == '-':
		default:
			return false
		}
	}
	return !start
}
