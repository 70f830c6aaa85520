package startdeliver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/wire"
)

// FieldType is the type of a custom field, and the target type of a
// mapping in the v2 Segment app configuration.
type FieldType = string

// The four custom field types Startdeliver offers.
const (
	TypeText    FieldType = "text"
	TypeNumber  FieldType = "number"
	TypeDate    FieldType = "date"
	TypeBoolean FieldType = "boolean"
)

func validType(t FieldType) bool {
	return t == TypeText || t == TypeNumber || t == TypeDate || t == TypeBoolean
}

// Entity says whether a custom field belongs to users or to customers.
type Entity = string

// The two entities that carry custom fields.
const (
	EntityUser     Entity = "user"
	EntityCustomer Entity = "customer"
)

// CustomField is a user or customer custom field, known by its alias (the
// name the Segment settings and the v2 configuration use).
type CustomField = wire.StartdeliverCustomField

// FieldValue is one custom field value of a user or a customer.
type FieldValue struct {
	Alias string
	Value any // string (text, date as RFC 3339), json.Number (number) or bool
}

// FieldValues are the custom field values of a user or a customer. They are
// a short slice rather than a map, because an account may hold a million
// users with one or two values each; in JSON they are an object.
type FieldValues []FieldValue

// Get returns the value of a field.
func (f FieldValues) Get(alias string) (any, bool) {
	for _, v := range f {
		if v.Alias == alias {
			return v.Value, true
		}
	}
	return nil, false
}

func (f *FieldValues) set(alias string, value any) {
	for i := range *f {
		if (*f)[i].Alias == alias {
			(*f)[i].Value = value
			return
		}
	}
	*f = append(*f, FieldValue{Alias: alias, Value: value})
}

func (f *FieldValues) remove(alias string) {
	*f = slices.DeleteFunc(*f, func(v FieldValue) bool { return v.Alias == alias })
}

// MarshalJSON writes the values as one object, in the order they were set.
func (f FieldValues) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, v := range f {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(v.Alias)
		if err != nil {
			return nil, err
		}
		val, err := json.Marshal(v.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object of values, ordered by alias.
func (f *FieldValues) UnmarshalJSON(data []byte) error {
	var m map[string]any
	if err := segment.UnmarshalNumbers(data, &m); err != nil {
		return err
	}
	out := make(FieldValues, 0, len(m))
	for k, v := range m {
		out = append(out, FieldValue{Alias: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
	*f = out
	return nil
}

// User is a Startdeliver user. Its id is its position in the account (1, 2,
// ...); users are never deleted.
type User struct {
	ID           int64       `json:"id"`
	Name         string      `json:"name,omitempty"`
	Email        string      `json:"email,omitempty"`
	Phone        string      `json:"phone,omitempty"`
	Title        string      `json:"title,omitempty"`
	CustomerID   int64       `json:"customerId,omitempty"`
	CustomFields FieldValues `json:"customFields"`
	Created      time.Time   `json:"created,omitzero"`
	Updated      time.Time   `json:"updated,omitzero"`
}

// Customer is a Startdeliver customer (a company using the client's
// product); users belong to at most one.
type Customer struct {
	ID           int64       `json:"id"`
	Name         string      `json:"name,omitempty"`
	CustomFields FieldValues `json:"customFields"`
	Created      time.Time   `json:"created,omitzero"`
	Updated      time.Time   `json:"updated,omitzero"`
}

// UsageEvent is a page or track event attached to a user and, when the user
// belonged to a customer at that time, to that customer (SD-6). The state
// keeps it as a record (usageEvents) and decodes it when it is read.
type UsageEvent = wire.StartdeliverUsageEventOf[segment.Object]

// standardFields are the built-in text fields a v2 mapping may write and a
// list may filter on, beside the custom fields. Custom field aliases may
// not take these names.
var standardFields = map[Entity][]string{
	EntityUser:     {"name", "email", "phone", "title"},
	EntityCustomer: {"name"},
}

func isStandard(e Entity, name string) bool { return slices.Contains(standardFields[e], name) }

// standard returns the built-in text field of a user by name, or nil.
func (u *User) standard(name string) *string {
	switch name {
	case "name":
		return &u.Name
	case "email":
		return &u.Email
	case "phone":
		return &u.Phone
	case "title":
		return &u.Title
	}
	return nil
}

// standard returns the built-in text field of a customer by name, or nil.
func (c *Customer) standard(name string) *string {
	if name == "name" {
		return &c.Name
	}
	return nil
}

// emailField is the one standard field that is indexed and may be matched
// on, beside the custom fields.
const emailField = "email"

// valueIndex finds the users (or customers) holding a value of one field
// by its index key. It is an emulators.Index, which keeps a hash of each
// key and no pointer per entry (#18), and, since an Index leaves the empty
// key out, the ids holding the empty key beside it. It names candidates:
// userBy and customerBy check what it names, and a list filters it.
type valueIndex struct {
	emulators.Index[int64]
	empty []int64 // ascending
}

func newValueIndex(n int) *valueIndex { return &valueIndex{Index: *emulators.NewIndex[int64](n)} }

func (x *valueIndex) add(key string, id int64) {
	if key != "" {
		x.Add(key, id)
	} else if i, found := slices.BinarySearch(x.empty, id); !found {
		x.empty = slices.Insert(x.empty, i, id)
	}
}

func (x *valueIndex) remove(key string, id int64) {
	if key != "" {
		x.Remove(key, id)
	} else if i, found := slices.BinarySearch(x.empty, id); found {
		x.empty = slices.Delete(x.empty, i, i+1)
	}
}

// first returns the lowest id holding key, as holds tells. Matching takes
// the lowest, so the answer does not depend on map order when values
// repeat.
func (x *valueIndex) first(key string, holds func(int64) bool) (int64, bool) {
	if x == nil {
		return 0, false
	}
	if key != "" {
		return x.First(key, holds)
	}
	for _, id := range x.empty {
		if holds(id) {
			return id, true
		}
	}
	return 0, false
}

// get returns the ids that may hold key, ascending; the slice is the
// caller's.
func (x *valueIndex) get(key string) []int64 {
	if key == "" {
		return slices.Clone(x.empty)
	}
	ids, _ := x.Get(key)
	return ids
}

// State is one Startdeliver account: the destination's state. The
// platform holds the account's lock around every use, so nothing here
// locks. Exported fields are the state (json.Marshal round-trips them);
// the unexported indexes are rebuilt by reindex.
type State struct {
	Fields []CustomField `json:"customFields"`
	// Users and Customers are tables of records and numbers, which the
	// collector does not trace (rows.go); in JSON, lists of User and
	// Customer.
	Users     users       `json:"users"`
	Customers customers   `json:"customers"`
	Events    usageEvents `json:"usageEvents"`
	// EventsDropped counts the oldest usage events retention dropped, so
	// that ids go on from where they were: Events.At(i) has id
	// EventsDropped+i+1.
	EventsDropped int64 `json:"usageEventsDropped,omitempty"`
	// App is the v2 Segment app configuration as the account holds it now;
	// Cache is the copy events read, with the time it was read (S2-11).
	App   *AppConfig `json:"segmentApp,omitempty"`
	Cache *AppCache  `json:"segmentAppCache,omitempty"`

	// users and customers index field values by field alias (and users by
	// lower-cased email under "email"), so matching never scans (SD-4).
	users     map[string]*valueIndex
	customers map[string]*valueIndex
	// eventsByUser finds the positions in Events of a user's events. A
	// customer's events are those of its current users (customerEvents),
	// so there is no index by the customer an event arrived under.
	eventsByUser userEvents
}

func newState() *State {
	a := &State{Fields: []CustomField{}}
	a.reindex()
	return a
}

// field returns the custom field of an entity with an alias.
func (a *State) field(e Entity, alias string) (CustomField, bool) {
	for _, f := range a.Fields {
		if f.Entity == e && f.Alias == alias {
			return f, true
		}
	}
	return CustomField{}, false
}

func (a *State) index(e Entity) map[string]*valueIndex {
	if e == EntityCustomer {
		return a.customers
	}
	return a.users
}

// reindex rebuilds every index from the exported state.
func (a *State) reindex() {
	a.users = map[string]*valueIndex{emailField: newValueIndex(a.Users.Len())}
	a.customers = map[string]*valueIndex{}
	for _, f := range a.Fields {
		n := a.Users.Len()
		if f.Entity == EntityCustomer {
			n = a.Customers.Len()
		}
		a.index(f.Entity)[f.Alias] = newValueIndex(n)
	}
	for id := int64(1); id <= int64(a.Users.Len()); id++ {
		u := a.Users.get(id)
		if u.Email != "" {
			a.users[emailField].add(emailKey(u.Email), u.ID)
		}
		for _, v := range u.CustomFields {
			if x := a.users[v.Alias]; x != nil {
				x.add(valueKey(v.Value), u.ID)
			}
		}
	}
	for id := int64(1); id <= int64(a.Customers.Len()); id++ {
		for _, v := range a.Customers.get(id).CustomFields {
			if x := a.customers[v.Alias]; x != nil {
				x.add(valueKey(v.Value), id)
			}
		}
	}
	a.eventsByUser = userEvents{older: make([]uint32, 0, a.Events.Len())}
	for _, ev := range a.Events.All() {
		a.eventsByUser.add(&ev)
	}
}

// userEvents returns the positions in Events of a user's usage events,
// oldest first.
func (a *State) userEvents(id int64) []int { return a.eventsByUser.of(id, a.EventsDropped) }

// customerEvents returns the positions of the usage events of the
// customer's current users, in arrival order. (decision) The seeds say
// events "will appear on Customer and User views": a customer shows the
// history of the users it has now, so a user linked later brings its
// earlier events along, and a user moved to another customer takes them
// with it. An event's own customerId stays the customer at its arrival.
func (a *State) customerEvents(id int64) []int {
	var pos []int
	for _, u := range a.customerUsers(id) {
		pos = append(pos, a.userEvents(u)...)
	}
	slices.Sort(pos)
	return pos
}

// customerUsers returns the ids of the customer's current users,
// ascending; it reads their slots, not their records.
func (a *State) customerUsers(id int64) []int64 {
	var out []int64
	for u := int64(1); u <= int64(a.Users.Len()); u++ {
		if a.Users.customerOf(u) == id {
			out = append(out, u)
		}
	}
	return out
}

// load keeps the users and customers a loaded state held and verifies
// what the indexes rely on: ids are positions, references point at
// existing records.
func (a *State) load() error {
	if err := a.Users.store("users"); err != nil {
		return err
	}
	if err := a.Customers.store("customers"); err != nil {
		return err
	}
	for id := int64(1); id <= int64(a.Users.Len()); id++ {
		if c := a.Users.customerOf(id); c < 0 || c > int64(a.Customers.Len()) {
			return fmt.Errorf("users[%d]: customer %d does not exist", id-1, c)
		}
	}
	for i, ev := range a.Events.All() {
		if id := a.EventsDropped + int64(i+1); ev.ID != id || !a.Users.has(ev.UserID) {
			return fmt.Errorf("usageEvents[%d]: id must be %d and its user must exist", i, id)
		}
	}
	return nil
}

// user reads the user with an id, or nil: a copy, which Users.save
// stores when it is changed.
func (a *State) user(id int64) *User { return a.Users.get(id) }

// customer reads the customer with an id, or nil (Customers.save stores
// it).
func (a *State) customer(id int64) *Customer { return a.Customers.get(id) }

// userEmail is the position of Email among a user's standard texts.
const userEmail = 1

// findUser finds the user whose field (a custom field alias, or "email")
// holds the value with index key k; the lowest id wins. It checks what
// the index names against the users' records without reading them.
func (a *State) findUser(field, k string) (int64, bool) {
	return a.users[field].first(k, func(id int64) bool {
		if !a.Users.has(id) {
			return false
		}
		if field == emailField {
			e := a.Users.text(id, userEmail)
			return len(e) > 0 && emailKey(string(e)) == k
		}
		return a.Users.holds(id, field, k)
	})
}

// userBy reads the user findUser finds, or nil.
func (a *State) userBy(field, k string) *User {
	if id, ok := a.findUser(field, k); ok {
		return a.user(id)
	}
	return nil
}

// customerBy reads the customer whose custom field holds the value with
// index key k, or nil.
func (a *State) customerBy(alias, k string) *Customer {
	id, ok := a.customers[alias].first(k, func(id int64) bool {
		return a.Customers.has(id) && a.Customers.holds(id, alias, k)
	})
	if !ok {
		return nil
	}
	return a.customer(id)
}

// newUser numbers a new user, which the caller saves (Users.save).
func (a *State) newUser(now time.Time) *User {
	u := &User{Created: now, Updated: now}
	a.Users.add(u)
	return u
}

// newCustomer numbers a new customer, which the caller saves.
func (a *State) newCustomer(now time.Time) *Customer {
	c := &Customer{Created: now, Updated: now}
	a.Customers.add(c)
	return c
}

// setUserField writes a user's field: a standard text field or a custom
// field, in its stored form, keeping the indexes current.
func (a *State) setUserField(u *User, name string, value any) {
	if p := u.standard(name); p != nil {
		s, _ := value.(string)
		if name == emailField {
			s = strings.TrimSpace(s) // a blank email is no email (PR-4, SD-7)
			if *p != "" {
				a.users[emailField].remove(emailKey(*p), u.ID)
			}
			if s != "" {
				a.users[emailField].add(emailKey(s), u.ID)
			}
		}
		*p = s
		return
	}
	setCustom(a.users[name], &u.CustomFields, u.ID, name, value)
}

// setCustomerField is setUserField for a customer.
func (a *State) setCustomerField(c *Customer, name string, value any) {
	if p := c.standard(name); p != nil {
		*p, _ = value.(string)
		return
	}
	setCustom(a.customers[name], &c.CustomFields, c.ID, name, value)
}

// setCustom writes a custom field value of the user or customer id,
// moving it in the field's index x (nil when the field has none).
func setCustom(x *valueIndex, fields *FieldValues, id int64, name string, value any) {
	if old, ok := fields.Get(name); ok && x != nil {
		x.remove(valueKey(old), id)
	}
	fields.set(name, value)
	if x != nil {
		x.add(valueKey(value), id)
	}
}

// addEvent stores a usage event, with its id, and indexes it by user.
func (a *State) addEvent(ev *UsageEvent) {
	ev.ID = a.EventsDropped + int64(a.Events.Len()+1)
	a.Events.Append(ev)
	a.eventsByUser.add(ev)
}

// eventsOf decodes the events at the given positions.
func (a *State) eventsOf(positions []int) []UsageEvent {
	out := make([]UsageEvent, len(positions))
	for i, p := range positions {
		out[i] = a.Events.At(p)
	}
	return out
}

// emailKey folds an email for matching: Startdeliver compares addresses
// without regard to case (decision).
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
