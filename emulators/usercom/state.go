package usercom

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/wire"
)

// State is one User.com app. Its exported fields are what a snapshot holds;
// the unexported maps are indexes rebuilt by reindex, so that the webhook
// finds users, companies, attributes and events without scanning.
//
// Users, companies, events, occurrences and page views are never deleted,
// so a user's ID is its position in Users plus one.
type State struct {
	TrustedDomains []string           `json:"trusted_domains"`
	Attributes     []*Attribute       `json:"attributes"`
	Users          []*User            `json:"users"`
	Companies      []*Company         `json:"companies"`
	Events         []*EventDefinition `json:"events"`
	Occurrences    storedOccurrences  `json:"occurrences"`
	PageViews      storedPageViews    `json:"page_views"`

	domains     map[string]struct{}
	attrs       [contentTypes]map[string]*Attribute // by NormalizeKey(name)
	byAnonymous map[string]*User                    // the first user that carried each anonymousId
	// lookups index the users list's lookupFields by user ID, attrLookups
	// its attribute filters by attribute name: kept current by every
	// change of a user (addLookups, moveLookups).
	lookups     map[string]*emulators.Index[int64]
	attrLookups map[string]*emulators.Index[int64]
	scratch     [2][]attrText // keysOf's buffers, reused under the account's lock
	companies   map[string]*Company
	events      map[string]*EventDefinition
	// userOccs and userViews find a user's occurrences and page views by
	// its id; lastOccurrence and lastView are the newest ids.
	userOccs, userViews      *emulators.Chains[int64]
	lastOccurrence, lastView int64
}

// User is a user profile: the fields the seed maps from traits and context,
// custom attributes, the page_views counter and last_seen. Its attributes
// are kept compact: the object's bytes, decoded to change (one per user).
type User = wire.UsercomUserOf[segment.Object]

// Company is a company profile created or updated by group calls (UC-12).
type Company = wire.UsercomCompanyOf[map[string]any]

// EventDefinition is an event name the app knows, defined automatically on
// its first track call (UC-11).
type EventDefinition = wire.UsercomEvent

// Occurrence is one recorded track call (UC-11). The state keeps it as a
// record (storedOccurrences) and decodes it when it is read.
type Occurrence = wire.UsercomOccurrenceOf[segment.Object]

// PageView is one recorded page call (UC-10), kept as a record
// (storedPageViews) likewise.
type PageView = wire.UsercomPageView

func newState() *State {
	st := &State{}
	// null in a snapshot until the first of each, as ever
	st.Occurrences.Nil()
	st.PageViews.Nil()
	st.initIndexes()
	return st
}

func (st *State) initIndexes() {
	st.domains = make(map[string]struct{}, len(st.TrustedDomains))
	for i := range st.attrs {
		st.attrs[i] = make(map[string]*Attribute)
	}
	st.initLookups(len(st.Users))
	st.byAnonymous = make(map[string]*User)
	st.companies = make(map[string]*Company, len(st.Companies))
	st.events = make(map[string]*EventDefinition, len(st.Events))
	st.userOccs = &emulators.Chains[int64]{}
	st.userViews = &emulators.Chains[int64]{}
}

// reindex rebuilds every index from the exported fields after a snapshot
// was loaded, refusing a snapshot that contradicts itself.
func (st *State) reindex() error {
	st.initIndexes()
	for _, d := range st.TrustedDomains {
		st.domains[d] = struct{}{}
	}
	for i, a := range st.Attributes {
		if a == nil {
			return fmt.Errorf("attributes[%d]: missing", i)
		}
		ct, err := parseContentType(string(a.ContentType))
		if err != nil {
			return err
		}
		st.attrs[ct.index()][a.key()] = a
	}
	for i, u := range st.Users {
		if u == nil || u.ID != int64(i+1) {
			return fmt.Errorf("users[%d]: id must be %d", i, i+1)
		}
		st.indexUser(u)
	}
	known := func(id int64) bool { return id >= 1 && id <= int64(len(st.Users)) }
	for i, c := range st.Companies {
		if c == nil || slices.ContainsFunc(c.MemberIDs, func(id int64) bool { return !known(id) }) {
			return fmt.Errorf("companies[%d]: missing, or a member id names no user", i)
		}
		if c.Attributes == nil {
			c.Attributes = map[string]any{}
		}
		st.companies[c.GroupID] = c
	}
	for i, e := range st.Events {
		if e == nil {
			return fmt.Errorf("events[%d]: missing", i)
		}
		st.events[e.Name] = e
	}
	return st.indexEvents() // a null one was refused as it was read
}

func (st *State) indexUser(u *User) {
	st.addLookups(u)
	st.indexAnonymous(u)
}

// byUserID finds the user with a userId; with several (only a hand-written
// snapshot can hold them), the first.
func (st *State) byUserID(id string) *User {
	if n, ok := st.lookups["user_id"].First(id, func(n int64) bool { return st.Users[n-1].UserID == id }); ok {
		return st.Users[n-1]
	}
	return nil
}

// indexAnonymous lets a call that carries only the user's anonymousId find
// it. An anonymousId stays with the first user that carried it.
func (st *State) indexAnonymous(u *User) {
	if _, taken := st.byAnonymous[u.AnonymousID]; u.AnonymousID != "" && !taken {
		st.byAnonymous[u.AnonymousID] = u
	}
}

// user finds the message's user by userId, else by anonymousId, and creates
// it when there is none (UC-4: never a 404). The seed: every method "will
// try to select user base on userId, falling back to anonymousId if userId
// is not provided". So a call with only an anonymousId finds the user that
// carried it, whether or not that user also has a userId. (decision) A call
// with a userId looks only at userIds: a visitor known by anonymousId who
// later sends a userId unknown to the app becomes a second user (the
// anonymousId still finds the first). A found user without an anonymousId
// learns it.
func (st *State) user(r *emulators.Request) *User {
	m := r.Message
	var u *User
	if m.UserID != "" {
		u = st.byUserID(m.UserID)
	} else {
		u = st.byAnonymous[m.AnonymousID]
	}
	if u != nil {
		if u.AnonymousID == "" && m.AnonymousID != "" {
			u.AnonymousID = m.AnonymousID
			st.lookups["anonymous_id"].Add(u.AnonymousID, u.ID)
			st.indexAnonymous(u)
		}
		return u
	}
	u = &User{
		ID:          int64(len(st.Users) + 1),
		UserID:      m.UserID,
		AnonymousID: m.AnonymousID,
		Companies:   []string{},
		CreatedAt:   r.Now,
	}
	st.Users = append(st.Users, u)
	st.indexUser(u)
	r.Did("created user %s", userLabel(u))
	return u
}

// lookupUser finds a user for the control plane: by userId, else by
// anonymousId, else by the app's numeric id.
func (st *State) lookupUser(key string) (*User, bool) {
	if u := st.byUserID(key); u != nil {
		return u, true
	}
	if u, ok := st.byAnonymous[key]; ok {
		return u, true
	}
	if id, err := strconv.ParseInt(key, 10, 64); err == nil && id >= 1 && id <= int64(len(st.Users)) {
		return st.Users[id-1], true
	}
	return nil, false
}

// userLabel names a user in the request log.
func userLabel(u *User) string {
	if u.UserID != "" {
		return strconv.Quote(u.UserID)
	}
	return "anonymous " + strconv.Quote(u.AnonymousID)
}

var timeZero time.Time

// prefix puts a field path in front of an *emulators.Error's message, so a
// config error says where in the config it is.
func prefix(field string, err error) error {
	var e *emulators.Error
	if errors.As(err, &e) {
		return &emulators.Error{Status: e.Status, Message: field + ": " + e.Message}
	}
	return emulators.BadRequest("%s: %s", field, err.Error())
}

func fieldIndex(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
