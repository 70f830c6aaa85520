package startdeliver

import (
	"strconv"
	"time"

	"github.com/destemu/destemu/emulators"
)

// SeedUsers adds n users to an account's state, user i holding "u-<i>" in
// the user custom field alias, without going through HTTP: the benchmark
// needs a million of them.
func SeedUsers(st emulators.State, alias string, n int) {
	a := st.(*State)
	a.Users = append(make([]*User, 0, len(a.Users)+n), a.Users...)
	if len(a.users[alias]) == 0 {
		a.users[alias] = make(valueIndex, n) // sized once: growing it costs more than the users
	}
	for i := range n {
		u := a.newUser(time.Time{})
		a.setUserField(u, alias, "u-"+strconv.Itoa(i))
	}
}
