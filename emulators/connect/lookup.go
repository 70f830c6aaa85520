package connect

import (
	"cmp"
	"slices"

	"github.com/destemu/destemu/emulators"
)

// lookupFields are the users list's filters answered from an index, by
// user key: the fields that find a user. Timezone groups many users, and
// its filter scans; alias goes through the aliases map.
var lookupFields = [...]string{"email", "first_name", "last_name", "phone_number"}

// lookupValues are a user's indexed profile fields, in lookupFields order,
// as they were before a change.
type lookupValues [len(lookupFields)]string

func (p *Profile) lookupValues() lookupValues {
	return lookupValues{p.Email, p.FirstName, p.LastName, p.PhoneNumber}
}

// initLookups makes the users list's indexes empty, sized for n users.
func (s *State) initLookups(n int) {
	s.lookups = make(map[string]*emulators.Index[uint32], len(lookupFields)+2)
	for _, name := range lookupFields {
		s.lookups[name] = emulators.NewIndex[uint32](n)
	}
	s.lookups["apns"] = &emulators.Index[uint32]{}
	s.lookups["fcm"] = &emulators.Index[uint32]{}
}

// moveLookups moves u's profile fields in the indexes from was to what it
// holds now.
func (s *State) moveLookups(u *User, was lookupValues) {
	now := u.lookupValues()
	for i, name := range lookupFields {
		s.lookups[name].Move(was[i], now[i], u.ord)
	}
}

// addLookups indexes every lookup of u under its key; removeLookups takes
// them out (before the user is renamed, merged or dropped).
func (s *State) addLookups(u *User) {
	s.moveLookups(u, lookupValues{})
	s.addToken(u, "apns", u.APNS...)
	s.addToken(u, "fcm", u.FCM...)
}

func (s *State) removeLookups(u *User) {
	was := u.lookupValues()
	for i, name := range lookupFields {
		s.lookups[name].Remove(was[i], u.ord)
	}
	for _, t := range u.APNS {
		s.lookups["apns"].Remove(t, u.ord)
	}
	for _, t := range u.FCM {
		s.lookups["fcm"].Remove(t, u.ord)
	}
}

// addToken indexes push tokens of u in the apns or fcm list.
func (s *State) addToken(u *User, list string, tokens ...string) {
	for _, t := range tokens {
		s.lookups[list].Add(t, u.ord)
	}
}

// usersFor answers the users list's candidates, ordered by id: through an
// index when the query has an indexed filter (or alias), else every user.
func usersFor(r *emulators.ResourceRequest, s *State) []UserSummary {
	ords, ok := emulators.Lookup(r.Query, s.lookups)
	if !ok && r.Query.Get("alias") != "" {
		ords, ok = []uint32{}, true
		if ord, aliased := s.find(s.aliases[r.Query.Get("alias")]); aliased {
			ords = append(ords, ord)
		}
	}
	if !ok {
		ords = slices.Collect(s.ords())
	}
	out := make([]UserSummary, 0, len(ords))
	for _, ord := range ords {
		if s.slot(ord)[slotRecord] != 0 {
			out = append(out, s.summary(s.user(ord)))
		}
	}
	slices.SortFunc(out, func(a, b UserSummary) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (s *State) summary(u *User) UserSummary {
	return UserSummary{Profile: u.Profile, EventCount: s.eventCount(u.ord)}
}
