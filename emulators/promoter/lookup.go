package promoter

import (
	"cmp"
	"slices"
	"strings"

	"github.com/destemu/destemu/emulators"
)

// contactsFor answers the contacts list's candidates, oldest first (ties
// by userId): through the email index or the contact list named, else
// every contact.
func contactsFor(r *emulators.ResourceRequest, s *State) []ContactView {
	var ords []uint32
	switch email, list := r.Query.Get("email"), r.Query.Get("list"); {
	case email != "":
		ords, _ = s.Contacts.emails.Get(email) // the view's filter drops another email of the same hash
	case r.Query.Has("list"):
		if l := s.lists[list]; l != nil {
			for i := range l.members.Len() {
				if ord, ok := s.Contacts.find(string(l.members.at(i))); ok {
					ords = append(ords, ord)
				}
			}
		}
	default:
		ords = slices.AppendSeq(make([]uint32, 0, s.Contacts.Len()), s.Contacts.ords())
	}
	out := make([]ContactView, len(ords))
	for i, ord := range ords {
		out[i] = s.contactView(ord)
	}
	return sortContacts(out)
}

func sortContacts(out []ContactView) []ContactView {
	slices.SortFunc(out, func(a, b ContactView) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.UserID, b.UserID))
	})
	return out
}

// customEventsFor answers the custom events list's candidates in arrival
// order, read by position: a user's through their links when the query
// names a userId, so that only those are decoded.
func customEventsFor(r *emulators.ResourceRequest, s *State) emulators.Indexed[CustomEvent] {
	if user := r.Query.Get("userId"); user != "" {
		return emulators.Pick[CustomEvent](&s.CustomEvents, s.userEvents(user))
	}
	return &s.CustomEvents
}
