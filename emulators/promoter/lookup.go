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
// order, read by position: a user's through their links when the query
// names a userId, so that only those are decoded.
func customEventsFor(r *emulators.ResourceRequest, s *State) emulators.Indexed[CustomEvent] {
	if user := r.Query.Get("userId"); user != "" {
		return emulators.Pick[CustomEvent](&s.CustomEvents, s.userEvents(user))
	}
	return &s.CustomEvents
}

// indexContacts rebuilds the contacts' index by email.
func (s *State) indexContacts() {
	s.emails = emulators.NewIndex[string](len(s.Contacts))
	for id, c := range s.Contacts {
		s.emails.Add(c.Email, id)
	}
}
