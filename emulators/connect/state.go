package connect

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/wire"
)

// State is one Connect environment: its users and, derived from their
// events, the events view. The platform holds the account's lock around
// every call that touches it.
type State struct {
	// Environment names the environment; empty for an auto-provisioned one.
	Environment string `json:"environment"`
	// PublicAPIKey is the environment's public key, if known.
	PublicAPIKey string `json:"publicApiKey,omitempty"`
	// Users by key: the userId, else the anonymousId they were first seen
	// with (CN-2).
	Users map[string]*User `json:"users"`
	// LastEventID numbers events in the order they arrived.
	LastEventID int64 `json:"lastEventId"`

	// events is how many events were stored when LastEventID was
	// countedAt, once counted (see Stored, retention.go).
	events    int
	countedAt int64
	counted   bool

	// aliases maps each previousId an alias joined to the key of the user
	// it now names (CN-8), so that later messages under the old id find
	// the user. Rebuilt from User.Aliases.
	aliases map[string]string
	// received holds, per event name, the times events of that name were
	// received, ascending: the events view counts a window of it with two
	// binary searches (CN-10). Rebuilt from the users' events.
	received map[string][]time.Time
	// lookups index the users list's lookup filters (lookupFields and the
	// push tokens) by user key, kept current by every change of a user
	// (see lookup.go).
	lookups map[string]*emulators.Index[string]
}

// User is one Connect user (a "person" in Connect's UI): a profile and the
// events it did.
type User struct {
	Profile
	// Events are the user's events in arrival order (CN-9).
	Events []Event `json:"events"`
}

// Profile is what Connect knows about a user apart from its events; users
// in Config are given as profiles.
type Profile struct {
	ID          string `json:"id"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
	// Timezone is an IANA zone name, or empty (CN-6).
	Timezone string `json:"timezone"`
	// APNS and FCM are the iOS and Android push tokens, without
	// duplicates, oldest first (CN-5).
	APNS []string `json:"apns"`
	FCM  []string `json:"fcm"`
	// Attributes are every other trait, with its JSON type (CN-7), kept
	// compact: the object's bytes, decoded to change (one per user).
	Attributes segment.Object `json:"attributes"`
	// Aliases are the previous ids aliased to this user (CN-8); messages
	// under them land on this user.
	Aliases   []string  `json:"aliases"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// Event is one track, page or screen call stored on a user.
type Event struct {
	// ID numbers events of an environment in arrival order.
	ID int64 `json:"id"`
	// Name is the event name; pages and screens carry the "[Segment
	// Page]" / "[Segment Screen]" prefix (CN-1).
	Name string `json:"name"`
	// Type is the Segment call it came from: track, page or screen.
	Type       string         `json:"type"`
	Properties segment.Object `json:"properties"` // compact: one of these per event
	// Timestamp is the event time (G-8).
	Timestamp time.Time `json:"timestamp"`
	// ReceivedAt is the emulator clock when it arrived; the events view
	// counts by it (CN-10: "received in the last 24 hours").
	ReceivedAt time.Time `json:"receivedAt"`
	MessageID  string    `json:"messageId,omitempty"`
}

func newState(environment, publicKey string) *State {
	s := &State{
		Environment:  environment,
		PublicAPIKey: publicKey,
		Users:        make(map[string]*User),
		aliases:      make(map[string]string),
		received:     make(map[string][]time.Time),
	}
	s.initLookups(0)
	return s
}

// rebuild fills the indexes from Users after a load, and checks the
// invariants the handlers rely on.
func (s *State) rebuild() error {
	if s.Users == nil {
		s.Users = make(map[string]*User)
	}
	s.aliases = make(map[string]string)
	s.received = make(map[string][]time.Time)
	s.initLookups(len(s.Users))
	for key, u := range s.Users {
		if u == nil || u.ID != key {
			return emulators.BadRequest("users[%q] is missing or has another id", key)
		}
		u.normalize()
		for _, a := range u.Aliases {
			if _, taken := s.Users[a]; taken {
				return emulators.BadRequest("alias %q of user %q is also a user id", a, key)
			}
			if other, taken := s.aliases[a]; taken {
				return emulators.BadRequest("alias %q names both user %q and user %q", a, other, key)
			}
			s.aliases[a] = key
		}
		s.addLookups(u)
		for i := range u.Events {
			ev := &u.Events[i]
			s.noteReceived(ev.Name, ev.ReceivedAt)
			s.LastEventID = max(s.LastEventID, ev.ID)
		}
	}
	return nil
}

// normalize gives a user empty lists and maps rather than nil ones, so that
// its JSON shows [] and {} and survives a round trip unchanged.
func (u *User) normalize() {
	for _, l := range []*[]string{&u.APNS, &u.FCM, &u.Aliases} {
		if *l == nil {
			*l = []string{}
		}
	}
	if u.Events == nil {
		u.Events = []Event{}
	}
}

// resolve returns the key of the user an id names: the id itself, or the
// user it was aliased to.
func (s *State) resolve(id string) string {
	if key, ok := s.aliases[id]; ok {
		return key
	}
	return id
}

// userFor returns the user a message belongs to (userId, else anonymousId,
// through aliases), creating it when none exists yet.
func (s *State) userFor(r *emulators.Request) *User {
	key := s.resolve(r.Message.UserKey())
	if u := s.Users[key]; u != nil {
		return u
	}
	u := &User{Profile: Profile{ID: key, CreatedAt: r.Now, UpdatedAt: r.Now}}
	u.normalize()
	s.Users[key] = u
	s.addLookups(u)
	r.Did("created user %s", key)
	return u
}

// track stores an event on the message's user (CN-9); page and screen come
// here with their prefixed names (CN-1).
func (s *State) track(r *emulators.Request, kind, name string) {
	m := r.Message
	u := s.userFor(r)
	s.LastEventID++
	u.Events = append(u.Events, Event{
		ID: s.LastEventID, Name: name, Type: kind, Properties: segment.NewObject(m.Properties),
		Timestamp: m.Timestamp, ReceivedAt: r.Now, MessageID: m.MessageID,
	})
	u.UpdatedAt = r.Now
	s.noteReceived(name, r.Now)
	r.Did("stored event %q on user %s", name, u.ID)
	r.Set("userId", u.ID)
	r.Set("eventId", s.LastEventID)
}

// noteReceived adds a receipt time to the events view index, keeping each
// name's times ascending. The clock only moves back when a test sets it
// back, so this is an append almost always.
func (s *State) noteReceived(name string, at time.Time) {
	times := s.received[name]
	i := len(times)
	if i > 0 && times[i-1].After(at) {
		i = sort.Search(len(times), func(j int) bool { return times[j].After(at) })
	}
	s.received[name] = slices.Insert(times, i, at)
}

// alias joins previousId to userId (CN-8). The previous user, if any,
// becomes (or is merged into) the identified user, and previousId keeps
// naming that user for later messages.
func (s *State) alias(r *emulators.Request, previousID, userID string) {
	pk, uk := s.resolve(previousID), s.resolve(userID)
	r.Set("userId", uk)
	if pk == uk {
		r.Ignore("previousId %q already names user %s; nothing to alias", previousID, uk)
		return
	}
	prev, user := s.Users[pk], s.Users[uk]
	for _, u := range []*User{prev, user} {
		if u != nil {
			s.removeLookups(u) // renamed or merged below: indexed again at the end
		}
	}
	switch {
	case prev == nil && user == nil:
		// (decision) Neither is known yet (Segment does not guarantee
		// order): the identified user is created empty and remembers
		// the alias, so the anonymous user's messages, whenever they
		// come, land on it.
		user = s.userFor(r)
		r.Did("recorded alias %s → %s (neither was known)", previousID, uk)
	case prev == nil:
		r.Did("recorded alias %s → %s (no user %s yet)", previousID, uk, previousID)
	case user == nil:
		delete(s.Users, pk)
		prev.ID = uk
		user = prev
		s.Users[uk] = user
		r.Did("renamed user %s to %s", pk, uk)
	default:
		delete(s.Users, pk)
		merge(user, prev)
		r.Did("merged user %s into %s", pk, uk)
	}
	if prev != nil {
		// Ids aliased to the previous user now name the identified one.
		for _, a := range prev.Aliases {
			s.aliases[a] = uk
		}
		if prev != user {
			user.Aliases = append(user.Aliases, prev.Aliases...)
		}
	}
	s.aliases[pk] = uk
	if !slices.Contains(user.Aliases, pk) {
		user.Aliases = append(user.Aliases, pk)
	}
	s.addLookups(user)
	user.UpdatedAt = r.Now
}

// merge folds prev into user (CN-8): the identified user's own values win,
// prev fills what it lacks; tokens, attributes and events of both are kept,
// events in arrival order.
func merge(user, prev *User) {
	for _, f := range []struct{ dst, src *string }{
		{&user.FirstName, &prev.FirstName}, {&user.LastName, &prev.LastName},
		{&user.Email, &prev.Email}, {&user.PhoneNumber, &prev.PhoneNumber},
		{&user.Timezone, &prev.Timezone},
	} {
		if *f.dst == "" {
			*f.dst = *f.src
		}
	}
	for _, t := range prev.APNS {
		user.APNS = addToken(user.APNS, t)
	}
	for _, t := range prev.FCM {
		user.FCM = addToken(user.FCM, t)
	}
	if !prev.Attributes.Empty() {
		attrs := user.Attributes.Map()
		for k, v := range prev.Attributes.Map() {
			if _, own := attrs[k]; !own {
				attrs[k] = v
			}
		}
		user.Attributes = segment.NewObject(attrs)
	}
	events := make([]Event, 0, len(user.Events)+len(prev.Events))
	events = append(append(events, user.Events...), prev.Events...)
	slices.SortStableFunc(events, func(a, b Event) int { return cmp.Compare(a.ID, b.ID) })
	user.Events = events
	if prev.CreatedAt.Before(user.CreatedAt) {
		user.CreatedAt = prev.CreatedAt
	}
}

// addToken appends t unless it is already there (CN-5).
func addToken(tokens []string, t string) []string {
	if t == "" || slices.Contains(tokens, t) {
		return tokens
	}
	return append(tokens, t)
}

// EventCount is one row of the events view (CN-10).
type EventCount = wire.ConnectEventCount

// eventCounts derives the events view at now, sorted by name.
func (s *State) eventCounts(now time.Time) []EventCount {
	out := make([]EventCount, 0, len(s.received))
	for name := range s.received {
		out = append(out, s.eventCount(name, now))
	}
	slices.SortFunc(out, func(a, b EventCount) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// eventCount derives one row: (decision) an event exactly 24 hours old is
// outside the window, one a second younger inside; one received after now
// (the clock was set back) is not counted.
func (s *State) eventCount(name string, now time.Time) EventCount {
	times := s.received[name]
	since := now.Add(-24 * time.Hour)
	lo := sort.Search(len(times), func(i int) bool { return times[i].After(since) })
	hi := sort.Search(len(times), func(i int) bool { return times[i].After(now) })
	row := EventCount{Name: name, Last24h: max(hi-lo, 0), Total: len(times)}
	if len(times) > 0 {
		row.LastReceivedAt = times[len(times)-1]
	}
	return row
}
