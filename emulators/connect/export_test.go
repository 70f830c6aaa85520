package connect

import (
	"strconv"

	"github.com/destemu/destemu/emulators"
)

// SeedUsers adds n users to an environment's state without going through
// HTTP, as identify would index them: user "u-<i>" has email
// "u-<i>@example.com", first name "First-<i/10>" (ten users share each),
// last name "Last-<i>", phone "+1 555 <i>" and APNs token "apns-<i>". The
// lookup and track benchmarks need a million of them.
func SeedUsers(st emulators.State, n int) {
	s := st.(*State)
	for i := range n {
		is := strconv.Itoa(i)
		u := &User{Profile: Profile{
			ID: "u-" + is, Email: "u-" + is + "@example.com", FirstName: "First-" + strconv.Itoa(i/10),
			LastName: "Last-" + is, PhoneNumber: "+1 555 " + is, APNS: []string{"apns-" + is},
		}}
		u.normalize()
		s.Users[u.ID] = u
		s.addLookups(u)
	}
	s.countEvents() // once per state, as the first message would: not each message's cost
}
