package usercom

import (
	"encoding/json"
	"strconv"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// SeedUsers adds n users to an app's state without going through HTTP, as
// the webhook would index them: user i has user_id "u-<i>", anonymous_id
// "a-<i>", email "u-<i>@example.com", first name "First-<i/10>" (ten users
// share each), last name "Last-<i>", and attributes plan (pro or free) and
// logins (i). The lookup benchmark needs a million of them.
func SeedUsers(s emulators.State, n int) {
	st := s.(*State)
	st.Users.Recs = append(make([]string, 0, st.Users.Len()+n), st.Users.Recs...)
	st.Users.Slots = append(make([]int64, 0, len(st.Users.Recs)*slotWords+n*slotWords), st.Users.Slots...)
	for i := range n {
		is := strconv.Itoa(i)
		u := &User{
			ID: int64(st.Users.Len() + 1), UserID: "u-" + is, AnonymousID: "a-" + is,
			Email: "u-" + is + "@example.com", FirstName: "First-" + strconv.Itoa(i/10), LastName: "Last-" + is,
			Attributes: segment.NewObject(map[string]any{"plan": []string{"pro", "free"}[i%2], "logins": json.Number(is)}),
			Companies:  []string{},
		}
		st.addUser(u)
	}
}
