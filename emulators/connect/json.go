package connect

import (
	"bytes"
	"cmp"
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// A state's JSON (snapshots and state files) has each user's events inside
// the user, as when users held them: AppendJSON (MarshalJSON) decodes a
// user's events as it writes the user, LoadJSON (UnmarshalJSON) encodes
// them as records as it reads each user.

// userDoc is a user as the state's JSON and the user view show it: its
// profile, then its events.
type userDoc struct {
	Profile
	Events []Event `json:"events"`
}

// userDoc returns u with its events decoded.
func (s *State) userDoc(u *User) userDoc {
	return userDoc{Profile: u.Profile, Events: s.eventsOf(u.ord)}
}

// MarshalJSON writes the state as AppendJSON does.
func (s *State) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil) }

// AppendJSON writes the state as encoding/json wrote it when users held
// their events (environment, publicApiKey unless empty, users by key,
// lastEventId), decoding one user's events at a time, with characters left
// unescaped for HTML (emulators.JSONAppender): a snapshot takes the bytes
// as they are, and whoever else encodes the state escapes them as it
// escapes the rest of its document.
func (s *State) AppendJSON(b []byte) ([]byte, error) {
	w := emulators.NewJSONWriter(b)
	w.Raw(`{"environment":`)
	w.Value(s.Environment)
	if s.PublicAPIKey != "" {
		w.Raw(`,"publicApiKey":`)
		w.Value(s.PublicAPIKey)
	}
	w.Raw(`,"users":{`)
	for i, u := range s.usersByKey() {
		if i > 0 {
			w.Raw(",")
		}
		w.Value(u.key)
		w.Raw(":")
		w.Value(s.userDoc(s.user(u.ord)))
	}
	w.Raw("}")
	w.Raw(`,"lastEventId":`)
	w.Value(s.LastEventID)
	w.Raw("}")
	return w.Bytes()
}

// The types errors name, as they did when encoding/json read a state whole.
var (
	stateType = reflect.TypeFor[State]()
	usersType = reflect.TypeFor[map[string]*User]()
)

// UnmarshalJSON reads a state as encoding/json read it when users held
// their events (field names in any casing, unknown fields skipped, a
// later user of the same key replacing an earlier one, the same errors,
// and the first type error reported unless a worse one comes), but one
// user at a time: each user's events are encoded as records as soon as
// the user is read, so that a state's events are never all held as
// structs (#18). Once every user is read, the events are stored in id
// order (rebuild then links them to their users).
func (s *State) UnmarshalJSON(data []byte) error { return s.read(newDecoder(data)) }

// LoadJSON reads a state document as UnmarshalJSON does
// (emulators.JSONLoader, so that the platform does not read the document
// twice), refusing a second value after it as segment.UnmarshalNumbers
// does.
func (s *State) LoadJSON(data []byte) error {
	dec := newDecoder(data)
	if err := s.read(dec); err != nil {
		return err
	}
	if dec.More() {
		return &segment.Error{Reason: "more than one JSON value"}
	}
	return nil
}

var (
	_ emulators.JSONLoader   = (*State)(nil)
	_ emulators.JSONAppender = (*State)(nil)
)

// newDecoder reads data keeping numbers exact.
func newDecoder(data []byte) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec
}

// read reads a state from dec.
func (s *State) read(dec *json.Decoder) error {
	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		return nil // null leaves a struct as it is
	case tok != json.Delim('{'):
		return &json.UnmarshalTypeError{Value: kindOfToken(tok), Type: stateType, Offset: dec.InputOffset()}
	}
	r := stateReader{dec: dec}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch fieldNamed(tok.(string), "environment", "publicApiKey", "users", "lastEventId") {
		case "environment":
			err = r.field("environment", &s.Environment)
		case "publicApiKey":
			err = r.field("publicApiKey", &s.PublicAPIKey)
		case "lastEventId":
			err = r.field("lastEventId", &s.LastEventID)
		case "users":
			err = r.users()
		default:
			err = dec.Decode(&json.RawMessage{})
		}
		if err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if r.saved != nil {
		return r.saved
	}
	s.staged, s.Events = r.found, r.events()
	return nil
}

// stateReader reads a state's fields: the users, with their events
// staged in document order, and the first type error.
type stateReader struct {
	dec   *json.Decoder
	saved error
	found map[string]*Profile // nil until a users object is read
	// staged holds the events read, each user's together, and their ids:
	// those of the user read last for each key are stored.
	staged storedEvents
	ids    []int64
	ranges map[*Profile][2]int // a user's events in staged
}

// field decodes a field of the state into v.
func (r *stateReader) field(name string, v any) error {
	return r.check(r.dec.Decode(v), "State", name)
}

// check keeps the first type error, named by where it is (in, the struct
// of a field of the state's own; path, its JSON path), and returns any
// other error.
func (r *stateReader) check(err error, in, path string) error {
	te, ok := err.(*json.UnmarshalTypeError)
	if !ok {
		return err
	}
	if r.saved == nil {
		te.Struct = cmp.Or(te.Struct, in)
		te.Field = strings.Trim(path+"."+te.Field, ".")
		r.saved = te
	}
	return nil
}

// users reads the users object, or null, which forgets the users read.
func (r *stateReader) users() error {
	// User names a user's document so that an error names its fields as
	// it did when users held their events.
	type User struct {
		Profile
		Events []Event `json:"events"`
	}
	tok, err := r.dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		r.found = nil
		return nil
	case tok != json.Delim('{'):
		err = r.check(&json.UnmarshalTypeError{Value: kindOfToken(tok), Type: usersType}, "State", "users")
		return cmp.Or(err, r.skip(tok))
	}
	r.begin()
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		var doc *User
		if err := r.check(r.dec.Decode(&doc), "State", "users"); err != nil {
			return err
		}
		if doc == nil {
			r.found[key] = nil
			continue
		}
		r.add(key, doc.Profile, doc.Events)
	}
	_, err = r.dec.Token()
	return err
}

// begin starts a users object: a later one adds to the users read before
// it (as encoding/json reads into a map it has already made), after a
// null to none.
func (r *stateReader) begin() {
	if r.found == nil {
		r.found, r.ranges = make(map[string]*Profile), make(map[*Profile][2]int)
	}
}

// add stages a user and its events.
func (r *stateReader) add(key string, p Profile, events []Event) {
	u := &p
	from := r.staged.Len()
	for i := range events {
		r.staged.Append(&EventItem{UserID: key, Event: events[i]})
		r.ids = append(r.ids, events[i].ID)
	}
	r.found[key], r.ranges[u] = u, [2]int{from, r.staged.Len()}
}

// skip reads the rest of a value that began with tok.
func (r *stateReader) skip(tok json.Token) error {
	for depth := 0; ; {
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
		var err error
		if tok, err = r.dec.Token(); err != nil {
			return err
		}
	}
}

// events returns the staged events of the users read, in id order (equal
// ids in the order they were read).
func (r *stateReader) events() storedEvents {
	var order []int
	for _, u := range r.found {
		if u != nil {
			span := r.ranges[u]
			for i := span[0]; i < span[1]; i++ {
				order = append(order, i)
			}
		}
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Or(cmp.Compare(r.ids[a], r.ids[b]), cmp.Compare(a, b)) })
	var out storedEvents
	for _, i := range order {
		out.AppendFrom(&r.staged, i)
	}
	return out
}

// fieldNamed returns the name among names that key selects as
// encoding/json matches an object's key to a struct's field: the same
// name, else the same in another casing; "" for none.
func fieldNamed(key string, names ...string) string {
	for _, name := range names {
		if key == name {
			return name
		}
	}
	for _, name := range names {
		if strings.EqualFold(key, name) {
			return name
		}
	}
	return ""
}

// kindOfToken names the JSON value a token starts, as a type error does
// ('{' never comes here: it is what was wanted).
func kindOfToken(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case json.Delim:
		return "array"
	}
	return "number"
}
