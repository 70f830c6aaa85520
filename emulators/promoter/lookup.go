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
	var ids []string
	switch email, list := r.Query.Get("email"), r.Query.Get("list"); {
	case email != "":
		ids, _ = s.emails.Get(email)
	case r.Query.Has("list"):
		if l := s.lists[list]; l != nil {
			ids = l.Contacts
		}
	default:
		out := make([]ContactView, 0, len(s.Contacts))
		for _, c := range s.Contacts {
			out = append(out, s.contactView(c))
		}
		return sortContacts(out)
	}
	out := make([]ContactView, 0, len(ids))
	for _, id := range ids {
		if c := s.Contacts[id]; c != nil {
			out = append(out, s.contactView(c))
		}
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
// order: a user's through the index when the query names a userId.
func customEventsFor(r *emulators.ResourceRequest, s *State) []*CustomEvent {
	positions, ok := s.eventsByUser.Get(r.Query.Get("userId"))
	if !ok {
		return s.CustomEvents
	}
	out := make([]*CustomEvent, 0, len(positions))
	for _, i := range positions {
		out = append(out, s.CustomEvents[i])
	}
	return out
}

// indexEvents rebuilds the custom events' index by userId, of positions in
// CustomEvents: after a load and after retention dropped the oldest.
func (s *State) indexEvents() {
	s.eventsByUser = &emulators.Index[int]{}
	for i, e := range s.CustomEvents {
		s.eventsByUser.Add(e.UserID, i)
	}
}

// indexContacts rebuilds the contacts' index by email.
func (s *State) indexContacts() {
	s.emails = emulators.NewIndex[string](len(s.Contacts))
	for id, c := range s.Contacts {
		s.emails.Add(c.Email, id)
	}
}
