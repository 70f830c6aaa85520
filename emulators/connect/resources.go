package connect

import (
	"cmp"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/wire"
)

// Resources lists the control-plane views of an environment, below
// /_emulator/connect/accounts/{id}/. They only read.
func (c *Destination) Resources() []emulators.Resource[*State] {
	return []emulators.Resource[*State]{
		{Method: http.MethodGet, Path: "environment", Summary: "The environment: name, public key, user and event counts", Out: reflect.TypeFor[Environment](), Handle: getEnvironment},
		usersView.Resource(),
		{Method: http.MethodGet, Path: "users/{id}", Summary: "One user with its tokens and events, by id or alias", Out: reflect.TypeFor[UserDetail](), Handle: getUser},
		eventsView.Resource(),
		eventCountsView.Resource(),
	}
}

// Environment describes the environment: its name, public key and counts.
type Environment = wire.ConnectEnvironment

// UserSummary is a user as the users list shows it: the profile and how
// many events it has; get the user for the events themselves.
type UserSummary struct {
	Profile
	EventCount int `json:"eventCount"`
}

// UserDetail is a user as getting it shows it: the profile, the events,
// and their count.
type UserDetail struct {
	userDoc
	EventCount int `json:"eventCount"`
}

// EventItem is an event as the events list shows it, with its user.
type EventItem struct {
	UserID string `json:"userId"`
	Event
}

func getEnvironment(r *emulators.ResourceRequest, s *State) (any, error) {
	return Environment{
		ID: r.AccountID, Environment: cmp.Or(s.Environment, r.AccountID),
		PublicAPIKey: s.PublicAPIKey, Users: s.userCount, Events: int64(s.Events.Len()),
	}, nil
}

func getUser(r *emulators.ResourceRequest, s *State) (any, error) {
	id := r.Param("id")
	u := s.lookup(s.resolve(id))
	if u == nil {
		return nil, emulators.NotFound("no user %q in environment %s", id, r.AccountID)
	}
	doc := s.userDoc(u)
	return UserDetail{userDoc: doc, EventCount: len(doc.Events)}, nil
}

// The read views: declarations the platform pages and filters (see
// emulators.View).

var usersView = emulators.View[*State, UserSummary]{
	Path: "users", Summary: "List users, by id",
	Items: func(r *emulators.ResourceRequest, s *State) ([]UserSummary, error) { return usersFor(r, s), nil },
	Fields: map[string]func(UserSummary) string{
		"email":        func(u UserSummary) string { return u.Email },
		"first_name":   func(u UserSummary) string { return u.FirstName },
		"last_name":    func(u UserSummary) string { return u.LastName },
		"phone_number": func(u UserSummary) string { return u.PhoneNumber },
		"timezone":     func(u UserSummary) string { return u.Timezone },
	},
	Multi: map[string]func(UserSummary) []string{
		"apns":  func(u UserSummary) []string { return u.APNS },
		"fcm":   func(u UserSummary) []string { return u.FCM },
		"alias": func(u UserSummary) []string { return u.Aliases },
	},
}

// eventsView lists the stored events in arrival order; userId goes
// through the user's links, so that only its events are decoded, and
// without a filter only the page is.
var eventsView = emulators.View[*State, EventItem]{
	Path: "events", Summary: "List events, by id (from/to on the event time)",
	Stored: func(r *emulators.ResourceRequest, s *State) (emulators.Indexed[EventItem], error) {
		var items emulators.Indexed[EventItem] = eventItems{s}
		if r.Query.Has("userId") {
			var pos []int
			if ord, ok := s.find(s.resolve(r.Query.Get("userId"))); ok {
				pos = s.userEvents(ord)
			}
			items = emulators.Pick(items, pos)
		}
		if !r.Query.Has("search") {
			return items, nil
		}
		var found []EventItem
		for i := range items.Len() {
			if ev := items.At(i); searched(r.Query, ev.Name) {
				found = append(found, ev)
			}
		}
		return emulators.Slice[EventItem](found), nil
	},
	Narrow: map[string]string{"userId": "the user's id or one of its aliases", "search": searchDoc},
	Fields: map[string]func(EventItem) string{
		"name": func(e EventItem) string { return e.Name },
		"type": func(e EventItem) string { return e.Type },
	},
	Time: func(e EventItem) time.Time { return e.Timestamp },
}

var eventCountsView = emulators.View[*State, EventCount]{
	Path: "event-counts", Summary: "The events view: per event name, received in the last 24 hours and last received",
	Items: func(r *emulators.ResourceRequest, s *State) ([]EventCount, error) {
		return slices.DeleteFunc(s.eventCounts(r.Now), func(c EventCount) bool { return !searched(r.Query, c.Name) }), nil
	},
	Fields: map[string]func(EventCount) string{"name": func(c EventCount) string { return c.Name }},
	Narrow: map[string]string{"search": searchDoc},
}

const searchDoc = "a part of the event name, in any casing (the events page's search, CN-10)"

// searched is the events page's search (CN-10, seed: "Searching for your
// Segment events will show if it has been received in the last 24 hours
// and how many times"): a part of the name, in any casing; true when the
// parameter is absent.
func searched(q url.Values, name string) bool {
	return !q.Has("search") || strings.Contains(strings.ToLower(name), strings.ToLower(q.Get("search")))
}
