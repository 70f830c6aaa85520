package usercom

import (
	"errors"
	"fmt"
	"io"
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
// so a user's ID is its position in Users plus one. Users are kept as
// records (userList), read into a User to change or show.
type State struct {
	TrustedDomains []string           `json:"trusted_domains"`
	Attributes     []*Attribute       `json:"attributes"`
	Users          userList           `json:"users"`
	Companies      []*Company         `json:"companies"`
	Events         []*EventDefinition `json:"events"`
	Occurrences    storedOccurrences  `json:"occurrences"`
	PageViews      storedPageViews    `json:"page_views"`

	domains map[string]struct{}
	attrs   [contentTypes]map[string]*Attribute // by NormalizeKey(name)
	// byAnonymous finds the first user that carried each anonymousId
	// (by hash: checked against the user's record).
	byAnonymous *emulators.Index[int64]
	// lookups index the users list's lookupFields by user ID, attrLookups
	// its attribute filters by attribute name: kept current by every
	// change of a user (addLookups, moveLookups).
	lookups     map[string]*emulators.Index[int64]
	attrLookups map[string]*emulators.Index[int64]
	scratch     [2][]attrText  // keysOf's buffers, reused under the account's lock
	scratchSet  []string       // applyTraits' list of what it set, likewise
	jsonBuf     []byte         // where setAttribute writes an object's JSON, likewise
	attrsBuf    map[string]any // identify's attributes, likewise (scratchMap)
	propsBuf    map[string]any // track's properties, likewise
	agents      memo[browser]  // the browsers of the agents seen last (mapContext)
	norms       memo[string]   // trait and property names folded, likewise
	// work is the user a message changes, read from its record and saved
	// by saveUser: reused under the account's lock. workProfile and
	// workAttrs say its profile and its attributes were read (a track or a
	// page reads only its identities and slot); workChanged that its record
	// must be written.
	work                                User
	workSeen                            time.Time // its LastSeen points here
	workStored                          string    // its attributes' stored form
	workProfile, workAttrs, workChanged bool
	recBuf, attrBuf                     []byte // records are written here first; work's attributes read here
	companies                           map[string]*Company
	events                              map[string]*EventDefinition
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
	st.initLookups(len(st.Users.loaded))
	st.byAnonymous = emulators.NewIndex[int64](len(st.Users.loaded))
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
	loaded := st.Users.loaded
	st.Users.loaded = nil
	if loaded != nil {
		st.Users.Recs = make([]string, 0, len(loaded))
		st.Users.Slots = make([]int64, 0, len(loaded)*slotWords)
	}
	for i, u := range loaded {
		if u == nil || u.ID != int64(i+1) {
			return fmt.Errorf("users[%d]: id must be %d", i, i+1)
		}
		st.addUser(u)
		loaded[i] = nil // the record holds it now
	}
	known := func(id int64) bool { return id >= 1 && id <= int64(st.Users.Len()) }
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

// addUser stores a new or loaded user and indexes it.
func (st *State) addUser(u *User) {
	st.recBuf = st.Users.add(u, st.recBuf)
	st.addLookups(u)
	st.indexAnonymous(u.AnonymousID, u.ID)
}

// AppendJSON writes the state as encoding/json writes the State
// (emulators.JSONAppender: compact, characters left unescaped for HTML),
// its users and records a value at a time into b: a snapshot takes the
// bytes as they are, where the document of users that MarshalJSON returns
// would be copied and compacted again, each user written twice (#18).
func (st *State) AppendJSON(b []byte) ([]byte, error) {
	w := emulators.NewJSONWriter(b)
	w.Raw(`{"trusted_domains":`)
	w.Value(st.TrustedDomains)
	w.Raw(`,"attributes":`)
	w.Value(st.Attributes)
	w.Raw(`,"users":`)
	st.Users.writeJSON(w)
	w.Raw(`,"companies":`)
	w.Value(st.Companies)
	w.Raw(`,"events":`)
	w.Value(st.Events)
	w.Raw(`,"occurrences":`)
	w.Append(st.Occurrences.AppendJSON)
	w.Raw(`,"page_views":`)
	w.Append(st.PageViews.AppendJSON)
	w.Raw("}")
	return w.Bytes()
}

var _ emulators.JSONAppender = (*State)(nil)

// byUserID finds the user with a userId; with several (only a hand-written
// snapshot can hold them), the first.
func (st *State) byUserID(id string) (int64, bool) {
	return st.lookups["user_id"].First(id, func(n int64) bool { return st.Users.userID(n) == id })
}

// byAnonymousID finds the first user that carried an anonymousId.
func (st *State) byAnonymousID(anon string) (int64, bool) {
	return st.byAnonymous.First(anon, func(n int64) bool { return st.Users.anonymousID(n) == anon })
}

// indexAnonymous lets a call that carries only the user's anonymousId find
// it. An anonymousId stays with the first user that carried it.
func (st *State) indexAnonymous(anon string, id int64) {
	if _, taken := st.byAnonymousID(anon); anon != "" && !taken {
		st.byAnonymous.Add(anon, id)
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
//
// The user is read into st.work, its identities and slot only (identify
// and group read the rest, withProfile and withAttributes); saveUser
// stores what the message changed.
func (st *State) user(r *emulators.Request) *User {
	m := r.Message
	var id int64
	var found bool
	if m.UserID != "" {
		id, found = st.byUserID(m.UserID)
	} else {
		id, found = st.byAnonymousID(m.AnonymousID)
	}
	u := &st.work
	st.workProfile, st.workAttrs, st.workChanged = false, false, false
	if found {
		st.Users.decodeIDs(id, u, &st.workSeen)
		if u.AnonymousID == "" && m.AnonymousID != "" {
			st.withProfile(u)
			u.AnonymousID = m.AnonymousID
			st.workChanged = true
			st.lookups["anonymous_id"].Add(u.AnonymousID, u.ID)
			st.indexAnonymous(u.AnonymousID, u.ID)
		}
		return u
	}
	*u = User{
		ID:          int64(st.Users.Len() + 1),
		UserID:      m.UserID,
		AnonymousID: m.AnonymousID,
		Companies:   []string{},
		CreatedAt:   r.Now,
	}
	st.workProfile, st.workAttrs = true, true
	st.addUser(u)
	r.Did("created user %s", userLabel(u))
	return u
}

// withProfile reads the rest of st.work's profile, which user left out,
// before anything of it changes.
func (st *State) withProfile(u *User) {
	if !st.workProfile {
		st.workStored = st.Users.decodeUser(u.ID, u, &st.workSeen)
		st.workProfile = true
	}
}

// withAttributes reads st.work's profile and attributes.
func (st *State) withAttributes(u *User) {
	st.withProfile(u)
	if !st.workAttrs {
		// A copy the next message overwrites: work's attributes are read
		// and replaced within this one.
		st.attrBuf = append(st.attrBuf[:0], st.workStored...)
		u.Attributes = readAttributes(st.attrBuf)
		st.workAttrs = true
	}
}

// saveUser stores what a message changed of st.work: its slot, and its
// record when its profile may have changed.
func (st *State) saveUser(u *User) {
	st.Users.setSlot(u)
	if !st.workChanged {
		return
	}
	rec := st.Users.appendRecord(st.recBuf[:0], u)
	if st.workAttrs {
		rec, _ = u.Attributes.AppendBinary(rec)
	} else {
		rec = append(rec, st.workStored...)
	}
	st.recBuf = st.Users.store(u.ID, rec)
}

// lookupUser finds a user for the control plane: by userId, else by
// anonymousId, else by the app's numeric id.
func (st *State) lookupUser(key string) (*User, bool) {
	id, ok := st.byUserID(key)
	if !ok {
		id, ok = st.byAnonymousID(key)
	}
	if !ok {
		n, err := strconv.ParseInt(key, 10, 64)
		id, ok = n, err == nil && n >= 1 && n <= int64(st.Users.Len())
	}
	if !ok {
		return nil, false
	}
	return st.Users.user(id), true
}

// userLabel names a user in the request log: its userId quoted, else
// "anonymous" and its anonymousId quoted. It is a fmt.Formatter holding
// the user, not a string: an argument of Request.Did then costs no
// allocation, where a string costs its quoted copy and its box.
func userLabel(u *User) label { return label{u} }

type label struct{ u *User }

// Format writes the label as strconv.Quote would quote the id, copying an
// id that needs no escape as it is.
func (l label) Format(f fmt.State, _ rune) {
	id := l.u.UserID
	if id == "" {
		io.WriteString(f, "anonymous ")
		id = l.u.AnonymousID
	}
	for i := range len(id) {
		if c := id[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			io.WriteString(f, strconv.Quote(id))
			return
		}
	}
	io.WriteString(f, `"`)
	io.WriteString(f, id)
	io.WriteString(f, `"`)
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
