package usercom

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// userText reads the users list's text fields, for its filters and, for
// those in lookupFields, its indexes.
var userText = map[string]func(*User) string{
	"user_id":         func(u *User) string { return u.UserID },
	"anonymous_id":    func(u *User) string { return u.AnonymousID },
	"email":           func(u *User) string { return u.Email },
	"first_name":      func(u *User) string { return u.FirstName },
	"last_name":       func(u *User) string { return u.LastName },
	"phone":           func(u *User) string { return u.Phone },
	"gender":          func(u *User) string { return u.Gender },
	"country":         func(u *User) string { return u.Country },
	"region":          func(u *User) string { return u.Region },
	"city":            func(u *User) string { return u.City },
	"os":              func(u *User) string { return u.OS },
	"device_type":     func(u *User) string { return u.DeviceType },
	"language":        func(u *User) string { return u.Language },
	"timezone":        func(u *User) string { return u.Timezone },
	"browser_family":  func(u *User) string { return u.BrowserFamily },
	"browser_version": func(u *User) string { return u.BrowserVersion },
}

// attrPrefix starts the users list's attribute filters.
const attrPrefix = "attributes."

// lookupFields are the users list's filters answered from an index: the
// fields that find a user (its identities, email, phone and names). The
// others (country, os, ...) group many users, and their filters scan.
var lookupFields = [...]string{"user_id", "anonymous_id", "email", "first_name", "last_name", "phone"}

// lookupKeys are the values of a user's indexed fields and attributes, as
// they were before a change: moveUser moves its index entries from them.
type lookupKeys struct {
	fields [len(lookupFields)]string
	attrs  []attrText
}

type attrText struct{ name, text string }

// initLookups makes the users list's indexes empty, sized for n users.
func (st *State) initLookups(n int) {
	st.lookups = make(map[string]*emulators.Index[int64], len(lookupFields))
	for _, name := range lookupFields {
		st.lookups[name] = emulators.NewIndex[int64](n)
	}
	st.attrLookups = map[string]*emulators.Index[int64]{}
}

// keysOf reads what a user's index entries are made of: its fields and
// attrs, its attributes decoded.
func keysOf(u *User, attrs map[string]any, buf []attrText) lookupKeys {
	var k lookupKeys
	for i, name := range lookupFields {
		k.fields[i] = userText[name](u)
	}
	for name, v := range attrs {
		if s, ok := segment.Text(v); ok {
			buf = append(buf, attrText{name, s})
		}
	}
	k.attrs = buf
	return k
}

// addLookups indexes a new or loaded user.
func (st *State) addLookups(u *User) {
	var attrs map[string]any
	if !u.Attributes.Empty() {
		attrs = u.Attributes.Map()
	}
	st.moveLookups(u, attrs, &lookupKeys{})
}

// moveLookups moves u's index entries from was (keysOf before a change) to
// what it holds now (attrs: its attributes decoded), touching only what
// changed.
func (st *State) moveLookups(u *User, attrs map[string]any, was *lookupKeys) {
	now := keysOf(u, attrs, st.scratch[1][:0])
	for i, name := range lookupFields {
		st.lookups[name].Move(was.fields[i], now.fields[i], u.ID)
	}
	for _, a := range was.attrs {
		if !slices.Contains(now.attrs, a) {
			st.attrLookups[a.name].Remove(a.text, u.ID)
		}
	}
	for _, a := range now.attrs {
		if slices.Contains(was.attrs, a) {
			continue
		}
		x := st.attrLookups[a.name]
		if x == nil {
			x = &emulators.Index[int64]{}
			st.attrLookups[a.name] = x
		}
		x.Add(a.text, u.ID)
	}
	if was.attrs != nil { // reused by the next change
		st.scratch[0] = was.attrs[:0]
	}
	st.scratch[1] = now.attrs[:0]
}

// usersFor narrows the users list through an index: the first indexed
// filter of the query (in name order), else an attribute's; all users
// when there is none. Users are decoded as the list reads them.
func usersFor(r *emulators.ResourceRequest, st *State) emulators.Indexed[*User] {
	ids, ok := emulators.Lookup(r.Query, st.lookups)
	if !ok {
		ids, ok = st.attributeLookup(r)
	}
	if !ok {
		return userSeq{list: &st.Users}
	}
	return st.usersByID(ids)
}

// userSeq reads users by position: ids, or every user when ids is nil.
type userSeq struct {
	list *userList
	ids  []int64
}

func (s userSeq) Len() int {
	if s.ids == nil {
		return s.list.Len()
	}
	return len(s.ids)
}

func (s userSeq) At(i int) *User {
	if s.ids == nil {
		return s.list.user(int64(i + 1))
	}
	return s.list.user(s.ids[i])
}

// attributeLookup answers the first attributes.<name> filter of the query
// whose value is not empty from the attribute's index.
func (st *State) attributeLookup(r *emulators.ResourceRequest) ([]int64, bool) {
	for _, name := range slices.Sorted(maps.Keys(r.Query)) {
		attr, isAttr := strings.CutPrefix(name, attrPrefix)
		if !isAttr || r.Query.Get(name) == "" {
			continue
		}
		x := st.attrLookups[attr]
		if x == nil {
			return []int64{}, true // no user holds the attribute
		}
		return x.Get(r.Query.Get(name))
	}
	return nil, false
}

// usersByID reads the users with these IDs (ascending), in that order.
func (st *State) usersByID(ids []int64) userSeq {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id >= 1 && id <= int64(st.Users.Len()) {
			out = append(out, id)
		}
	}
	return userSeq{list: &st.Users, ids: out}
}

// storedFor reads a list of records by position: the user's, through its
// chain, when the query names the user's numeric id, so that only those
// are decoded; else every one.
func storedFor[T any, C emulators.Codec[T]](r *emulators.ResourceRequest, all *emulators.Records[T, C], byUser *emulators.Chains[int64]) emulators.Indexed[T] {
	if id, err := strconv.ParseInt(r.Query.Get("user"), 10, 64); err == nil {
		return emulators.Pick[T](all, byUser.Of(id))
	}
	return all
}
