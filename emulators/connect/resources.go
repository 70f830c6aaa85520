package connect

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/destemu/destemu/emulators"
)

// Resources lists the control-plane views of an environment, below
// /_emulator/connect/accounts/{id}/. They only read.
func (c *Destination) Resources() []emulators.Resource[*State] {
	return []emulators.Resource[*State]{
		{Method: http.MethodGet, Path: "environment", Summary: "The environment: name, public key, user and event counts", Handle: getEnvironment},
		{Method: http.MethodGet, Path: "users", Summary: "List users (filters: email, first_name, last_name, phone_number, timezone, apns, fcm, alias)", Handle: listUsers},
		{Method: http.MethodGet, Path: "users/{id}", Summary: "One user with its tokens and events, by id or alias", Handle: getUser},
		{Method: http.MethodGet, Path: "events", Summary: "List events (filters: userId, name, search (a case-insensitive part of the name), type, from, to on the event time)", Handle: listEvents},
		{Method: http.MethodGet, Path: "event-counts", Summary: "The events view: per event name, received in the last 24 hours and last received (filters: name, search: a case-insensitive part of the name)", Handle: listEventCounts},
	}
}

// Environment describes one environment (an account).
type Environment struct {
	// ID is the account id.
	ID string `json:"id"`
	// Environment is its name; the account id when none was given.
	Environment  string `json:"environment"`
	PublicAPIKey string `json:"publicApiKey"`
	Users        int    `json:"users"`
	Events       int64  `json:"events"`
}

// UserSummary is a user as the users list shows it: the profile and how
// many events it has; get the user for the events themselves.
type UserSummary struct {
	Profile
	EventCount int `json:"eventCount"`
}

// UserDetail is a user as getting it shows it: the profile, the events,
// and their count.
type UserDetail struct {
	*User
	EventCount int `json:"eventCount"`
}

// EventItem is an event as the events list shows it, with its user.
type EventItem struct {
	UserID string `json:"userId"`
	Event
}

func getEnvironment(r *emulators.ResourceRequest, s *State) (any, error) {
	var events int64
	for _, u := range s.Users {
		events += int64(len(u.Events))
	}
	return Environment{
		ID: r.AccountID, Environment: cmp.Or(s.Environment, r.AccountID),
		PublicAPIKey: s.PublicAPIKey, Users: len(s.Users), Events: events,
	}, nil
}

func listUsers(r *emulators.ResourceRequest, s *State) (any, error) {
	q := r.Query
	if err := onlyParams(q, "email", "first_name", "last_name", "phone_number", "timezone", "apns", "fcm", "alias"); err != nil {
		return nil, err
	}
	out := emulators.List[UserSummary]{Items: []UserSummary{}}
	for _, u := range s.Users {
		if !matches(q, "email", u.Email) || !matches(q, "first_name", u.FirstName) ||
			!matches(q, "last_name", u.LastName) || !matches(q, "phone_number", u.PhoneNumber) ||
			!matches(q, "timezone", u.Timezone) || !holds(q, "apns", u.APNS) ||
			!holds(q, "fcm", u.FCM) || !holds(q, "alias", u.Aliases) {
			continue
		}
		out.Items = append(out.Items, UserSummary{Profile: u.Profile, EventCount: len(u.Events)})
	}
	slices.SortFunc(out.Items, func(a, b UserSummary) int { return cmp.Compare(a.ID, b.ID) })
	out.Total = len(out.Items)
	return out, nil
}

func getUser(r *emulators.ResourceRequest, s *State) (any, error) {
	id := r.Param("id")
	u := s.Users[s.resolve(id)]
	if u == nil {
		return nil, emulators.NotFound("no user %q in environment %s", id, r.AccountID)
	}
	return UserDetail{User: u, EventCount: len(u.Events)}, nil
}

func listEvents(r *emulators.ResourceRequest, s *State) (any, error) {
	q := r.Query
	if err := onlyParams(q, "userId", "name", "search", "type", "from", "to"); err != nil {
		return nil, err
	}
	from, err := timeParam(q, "from")
	if err != nil {
		return nil, err
	}
	to, err := timeParam(q, "to")
	if err != nil {
		return nil, err
	}
	users := s.Users
	if q.Has("userId") {
		users = map[string]*User{}
		if u := s.Users[s.resolve(q.Get("userId"))]; u != nil {
			users[u.ID] = u
		}
	}
	out := emulators.List[EventItem]{Items: []EventItem{}}
	for _, u := range users {
		for _, ev := range u.Events {
			// from is inclusive, to exclusive.
			if !matches(q, "name", ev.Name) || !searched(q, ev.Name) || !matches(q, "type", ev.Type) ||
				(!from.IsZero() && ev.Timestamp.Before(from)) || (!to.IsZero() && !ev.Timestamp.Before(to)) {
				continue
			}
			out.Items = append(out.Items, EventItem{UserID: u.ID, Event: ev})
		}
	}
	slices.SortFunc(out.Items, func(a, b EventItem) int { return cmp.Compare(a.ID, b.ID) })
	out.Total = len(out.Items)
	return out, nil
}

func listEventCounts(r *emulators.ResourceRequest, s *State) (any, error) {
	if err := onlyParams(r.Query, "name", "search"); err != nil {
		return nil, err
	}
	out := emulators.List[EventCount]{Items: []EventCount{}}
	if r.Query.Has("name") {
		if _, ok := s.received[r.Query.Get("name")]; ok {
			out.Items = append(out.Items, s.eventCount(r.Query.Get("name"), r.Now))
		}
	} else {
		out.Items = s.eventCounts(r.Now)
	}
	out.Items = slices.DeleteFunc(out.Items, func(c EventCount) bool { return !searched(r.Query, c.Name) })
	out.Total = len(out.Items)
	return out, nil
}

// searched is the events page's search (CN-10, seed: "Searching for your
// Segment events will show if it has been received in the last 24 hours
// and how many times"): a part of the name, in any casing; true when the
// parameter is absent.
func searched(q url.Values, name string) bool {
	return !q.Has("search") || strings.Contains(strings.ToLower(name), strings.ToLower(q.Get("search")))
}

// onlyParams refuses query parameters a list does not filter on, so that a
// misspelt filter is a 400 rather than a silently unfiltered list.
func onlyParams(q url.Values, allowed ...string) error {
	for name := range q {
		if !slices.Contains(allowed, name) {
			return emulators.BadRequest("unknown query parameter %q (filters: %v)", name, allowed)
		}
	}
	return nil
}

// matches is an exact-match filter: true when the parameter is absent.
func matches(q url.Values, name, value string) bool {
	return !q.Has(name) || q.Get(name) == value
}

// holds is a membership filter on a list field.
func holds(q url.Values, name string, values []string) bool {
	return !q.Has(name) || slices.Contains(values, q.Get(name))
}

// timeParam reads an RFC 3339 query parameter; zero when absent.
func timeParam(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, emulators.BadRequest("query parameter %s: %q is not an RFC 3339 time", name, v)
	}
	return t, nil
}
