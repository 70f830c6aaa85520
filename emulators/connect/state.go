package connect

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/wire"
)

// State is one Connect environment: its users, their events and, derived
// from those, the events view. The platform holds the account's lock
// around every call that touches it. Its JSON nests each user's events in
// the user (MarshalJSON, UnmarshalJSON).
type State struct {
	// Environment names the environment; empty for an auto-provisioned one.
	Environment string `json:"environment"`
	// PublicAPIKey is the environment's public key, if known.
	PublicAPIKey string `json:"publicApiKey,omitempty"`
	// Users are the users' profiles, kept as records, and UserSlots what
	// of each changes on every message (users.go); keys finds a user by
	// its key: the userId, else the anonymousId it was first seen with
	// (CN-2). Both are exported only so that a snapshot's copy takes them
	// (copyForJSON): the JSON has the users by key.
	Users     userRecords `json:"-"`
	UserSlots []int64     `json:"-"`
	// LastEventID numbers events in the order they arrived.
	LastEventID int64 `json:"lastEventId"`
	// Events are every user's events in arrival order (ids ascending),
	// kept as records and decoded when read (#18); EventLinks and each
	// user's newest event find a user's (events.go). Both are exported
	// only so that a snapshot's copy takes them (copyForJSON): the JSON
	// has each user's events inside the user.
	Events     storedEvents `json:"-"`
	EventLinks []uint32     `json:"-"`
	// dropped counts the events retention dropped since the state was
	// built: the event at position i of Events has sequence number
	// dropped+i+1.
	dropped int64

	keys       *emulators.Index[uint32] // user key → ordinal
	blank      uint32                   // ordinal+1 of the user keyed "", which keys leaves out
	userCount  int                      // users held
	superseded int                      // records of Users no user holds
	scratch    emulators.Bytes          // save encodes a user here
	// staged are the users a state document or a config gave, until
	// rebuild stores them.
	staged map[string]*Profile

	// aliases maps each previousId an alias joined to the key of the user
	// it now names (CN-8), so that later messages under the old id find
	// the user. Rebuilt from User.Aliases.
	aliases map[string]string
	// received holds, per event name, its events in the order they were
	// received: the events view counts a window of them with two binary
	// searches (CN-10). Rebuilt from Events.
	received map[string]*receipts
	// lookups index the users list's lookup filters (lookupFields and the
	// push tokens) by user ordinal, kept current by every change of a
	// user (see lookup.go).
	lookups map[string]*emulators.Index[uint32]
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

// Event is one track, page or screen call stored on a user. The state
// keeps it as a record (storedEvents) and decodes it when it is read.
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
		keys:         emulators.NewIndex[uint32](0),
		aliases:      make(map[string]string),
		received:     make(map[string]*receipts),
	}
	s.initLookups(0)
	return s
}

// rebuild stores the staged users (those held, when none are staged) and
// fills the indexes from them and Events after a load, checking the
// invariants the handlers rely on.
func (s *State) rebuild() error {
	staged := s.staged
	if staged == nil {
		staged = s.profiles()
	}
	keys := slices.Sorted(maps.Keys(staged))
	s.staged, s.Users, s.UserSlots = nil, userRecords{}, make([]int64, 0, slotWords*len(keys))
	s.keys, s.blank, s.userCount, s.superseded = emulators.NewIndex[uint32](len(keys)), 0, 0, 0
	s.aliases = make(map[string]string)
	s.received = make(map[string]*receipts)
	s.initLookups(len(keys))
	for _, key := range keys {
		p := staged[key]
		if p == nil || p.ID != key {
			return emulators.BadRequest("users[%q] is missing or has another id", key)
		}
		p.normalize()
		for _, a := range p.Aliases {
			if _, taken := staged[a]; taken {
				return emulators.BadRequest("alias %q of user %q is also a user id", a, key)
			}
			if other, taken := s.aliases[a]; taken {
				return emulators.BadRequest("alias %q names both user %q and user %q", a, other, key)
			}
			s.aliases[a] = key
		}
		u := s.newUser(*p)
		s.addLookups(u)
		s.save(u)
	}
	s.dropped, s.EventLinks = 0, make([]uint32, 0, s.Events.Len())
	for pos, ev := range s.Events.All() {
		ord, _ := s.find(ev.UserID) // the loaded events of users[key] hold key
		slot, seq := s.slot(ord), s.seq(pos)
		s.EventLinks = append(s.EventLinks, link(slot[slotNewest], seq))
		slot[slotNewest] = seq
		s.noteReceived(ev.Name, ev.ReceivedAt, seq)
		s.LastEventID = max(s.LastEventID, ev.ID)
	}
	return nil
}

// profiles reads every user held, by key.
func (s *State) profiles() map[string]*Profile {
	out := make(map[string]*Profile, s.userCount)
	for ord := range s.ords() {
		u := s.user(ord)
		out[u.ID] = &u.Profile
	}
	return out
}

// normalize gives a profile empty lists rather than nil ones, so that its
// JSON shows [] and survives a round trip unchanged.
func (p *Profile) normalize() {
	for _, l := range []*[]string{&p.APNS, &p.FCM, &p.Aliases} {
		if *l == nil {
			*l = []string{}
		}
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

// userFor reads the user a message belongs to (userId, else anonymousId,
// through aliases), or numbers a new one (unsaved) when none exists yet.
func (s *State) userFor(r *emulators.Request) *User {
	key := s.resolve(r.Message.UserKey())
	if u := s.lookup(key); u != nil {
		return u
	}
	u := s.newUser(Profile{ID: key, CreatedAt: r.Now, UpdatedAt: r.Now})
	u.normalize()
	r.Did("created user %s", key)
	return u
}

// track stores an event on the message's user (CN-9); page and screen come
// here with their prefixed names (CN-1). An existing user is not read:
// only its slot changes.
func (s *State) track(r *emulators.Request, kind, name string) {
	m := r.Message
	key := s.resolve(m.UserKey())
	ord, ok := s.find(key)
	if !ok {
		u := s.userFor(r)
		s.save(u)
		ord = u.ord
	}
	s.LastEventID++
	s.addEvent(ord, &EventItem{UserID: key, Event: Event{
		ID: s.LastEventID, Name: name, Type: kind, Properties: m.Properties,
		Timestamp: m.Timestamp, ReceivedAt: r.Now, MessageID: m.MessageID,
	}})
	setSlotTime(s.slot(ord), r.Now)
	r.Did("stored event %q on user %s", name, key)
	r.Set("userId", key)
	r.Set("eventId", s.LastEventID)
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
	prev, user := s.lookup(pk), s.lookup(uk)
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
		s.unindex(pk, prev.ord)
		prev.ID = uk
		s.index(uk, prev.ord)
		user = prev
		r.Did("renamed user %s to %s", pk, uk)
	default:
		s.drop(prev)
		merge(user, prev)
		s.moveEvents(user.ord, prev.ord)
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
	user.UpdatedAt, user.dirty = r.Now, true
	s.save(user)
}

// merge folds prev's profile into user's (CN-8): the identified user's own
// values win, prev fills what it lacks; tokens and attributes of both are
// kept (moveEvents moves the events).
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
		out = append(out, s.countReceived(name, now))
	}
	slices.SortFunc(out, func(a, b EventCount) int { return cmp.Compare(a.Name, b.Name) })
	return out
}
