package startdeliver

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/wire"
)

// Resources lists the control-plane routes: custom fields, users,
// customers and usage events for both destinations, and the Segment app
// configuration for v2.
func (d *Destination) Resources() []emulators.Resource[*State] {
	rs := []emulators.Resource[*State]{
		fieldsView.Resource(),
		{Method: http.MethodPost, Path: "custom-fields", Summary: "Create a user or customer custom field", Status: http.StatusCreated, In: reflect.TypeFor[CustomField](), Out: reflect.TypeFor[CustomField](), Handle: createField},
		{Method: http.MethodDelete, Path: "custom-fields/{entity}/{alias}", Summary: "Delete a custom field and its values", Out: reflect.TypeFor[CustomField](), Handle: deleteField},
		recordView("users", EntityUser, func(a *State) emulators.Indexed[*User] { return &a.Users }).Resource(),
		{Method: http.MethodPost, Path: "users", Summary: "Create a user (seed existing data)", Status: http.StatusCreated, In: reflect.TypeFor[UserSpec](), Out: reflect.TypeFor[User](), Handle: createUser},
		{Method: http.MethodGet, Path: "users/{id}", Summary: "Read a user with its usage events", Out: reflect.TypeFor[UserView](), Handle: getUser},
		recordView("customers", EntityCustomer, func(a *State) emulators.Indexed[*Customer] { return &a.Customers }).Resource(),
		{Method: http.MethodPost, Path: "customers", Summary: "Create a customer (seed existing data)", Status: http.StatusCreated, In: reflect.TypeFor[CustomerSpec](), Out: reflect.TypeFor[Customer](), Handle: createCustomer},
		{Method: http.MethodGet, Path: "customers/{id}", Summary: "Read a customer with its users and usage events", Out: reflect.TypeFor[CustomerView](), Handle: getCustomer},
		usageEventsView.Resource(),
	}
	if d.v2 {
		rs = append(rs,
			emulators.Resource[*State]{Method: http.MethodGet, Path: "segment-app", Summary: "Read the Segment app configuration", Out: reflect.TypeFor[AppConfig](), Handle: getApp},
			emulators.Resource[*State]{Method: http.MethodPut, Path: "segment-app", Summary: "Replace the Segment app configuration (events see it once the 10-minute cache expires)", In: reflect.TypeFor[AppConfig](), Out: reflect.TypeFor[AppConfig](), Handle: putApp},
			emulators.Resource[*State]{Method: http.MethodGet, Path: "segment-app/cache", Summary: "Read the cached copy of the Segment app configuration", Out: reflect.TypeFor[CacheView](), Handle: getCache},
			emulators.Resource[*State]{Method: http.MethodPost, Path: "segment-app/flush", Summary: "Empty the configuration cache: the next event reads the configuration", Out: reflect.TypeFor[map[string]bool](), Handle: flushCache},
		)
	}
	return rs
}

var fieldsView = emulators.View[*State, CustomField]{
	Path: "custom-fields", Summary: "List custom fields",
	Items: func(_ *emulators.ResourceRequest, a *State) ([]CustomField, error) { return a.Fields, nil },
	Fields: map[string]func(CustomField) string{
		"entity": func(f CustomField) string { return string(f.Entity) },
		"type":   func(f CustomField) string { return string(f.Type) },
		"alias":  func(f CustomField) string { return f.Alias },
	},
}

func createField(r *emulators.ResourceRequest, a *State) (any, error) {
	var f CustomField
	if err := r.Decode(&f); err != nil {
		return nil, err
	}
	if err := a.addField(f); err != nil {
		return nil, err
	}
	return f, nil
}

func deleteField(r *emulators.ResourceRequest, a *State) (any, error) {
	e, alias := Entity(r.Param("entity")), r.Param("alias")
	i := slices.IndexFunc(a.Fields, func(f CustomField) bool { return f.Entity == e && f.Alias == alias })
	if i < 0 {
		return nil, emulators.NotFound("no %s custom field %q", e, alias)
	}
	f := a.Fields[i]
	a.Fields = slices.Delete(a.Fields, i, i+1)
	delete(a.index(e), alias)
	// Startdeliver drops the values with the field.
	if e == EntityUser {
		dropValues(&a.Users, alias)
	} else {
		dropValues(&a.Customers, alias)
	}
	return f, nil
}

// dropValues removes the values of alias from every row of a table that
// holds one.
func dropValues[T any, P row[T]](t *table[T, P], alias string) {
	for id := int64(1); id <= int64(t.Len()); id++ {
		v := t.get(id)
		values := v.parts().values
		if _, ok := values.Get(alias); ok {
			values.remove(alias)
			t.save(v)
		}
	}
}

// record is a user or a customer, as lists filter them.
type record interface {
	values() FieldValues
	field(name string) string
}

// recordView declares the list of users or customers: id, the standard
// fields (and customerId for users) as exact filters, and every custom
// field of the entity by its alias, the value converted to the field's type
// first, so ?score=7 finds 7.0.
func recordView[T record](path string, e Entity, all func(*State) emulators.Indexed[T]) emulators.View[*State, T] {
	names := append([]string{"id"}, standardFields[e]...)
	if e == EntityUser {
		names = append(names, "customerId")
	}
	fields := make(map[string]func(T) string, len(names))
	for _, n := range names {
		fields[n] = func(rec T) string { return rec.field(n) }
	}
	return emulators.View[*State, T]{
		Path: path, Summary: "List " + path + " (also filters on a custom field alias)",
		Stored: func(r *emulators.ResourceRequest, a *State) (emulators.Indexed[T], error) {
			return candidates(all(a), a.indexed(e, r.Query)), nil
		},
		Fields: fields,
		Attributes: func(a *State, alias, want string) (func(T) bool, bool, error) {
			f, ok := a.field(e, alias)
			if !ok {
				return nil, false, nil
			}
			v, ok := convert(f.Type, want)
			if !ok {
				return nil, true, fmt.Errorf("%q is not a %s value", want, f.Type)
			}
			key := valueKey(v)
			return func(rec T) bool {
				got, ok := rec.values().Get(alias)
				return ok && valueKey(got) == key
			}, true, nil
		},
	}
}

// candidates narrows a list to the records an index names (ids are
// positions, in ascending order, so the list keeps the order of a full
// scan); with no index to use (ids nil) it is the whole list. The view
// still applies every filter to what is left, decoding only the records
// it reads.
func candidates[T any](all emulators.Indexed[T], ids []int64) emulators.Indexed[T] {
	if ids == nil {
		return all
	}
	pos := make([]int, 0, len(ids))
	for _, id := range ids {
		if id >= 1 && id <= int64(all.Len()) {
			pos = append(pos, int(id-1))
		}
	}
	return emulators.Pick(all, pos)
}

// indexed answers the first filter of q an index serves (in name order):
// the id itself, the user's email, or a custom field alias. It returns nil
// when none does, and an empty non-nil list when the value is held by
// nothing, so that a lookup at a million users costs a map read, not a
// scan.
func (a *State) indexed(e Entity, q url.Values) []int64 {
	for _, name := range slices.Sorted(maps.Keys(q)) {
		want := q.Get(name)
		switch {
		case name == "id":
			if id, err := strconv.ParseInt(want, 10, 64); err == nil {
				return []int64{id}
			}
		case e == EntityUser && name == emailField && emailKey(want) != "":
			return nonNil(a.users[emailField].get(emailKey(want)))
		default:
			f, ok := a.field(e, name)
			if !ok {
				continue
			}
			v, ok := convert(f.Type, want)
			if x := a.index(e)[name]; ok && x != nil {
				return nonNil(x.get(valueKey(v)))
			}
		}
	}
	return nil
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func (u *User) values() FieldValues     { return u.CustomFields }
func (c *Customer) values() FieldValues { return c.CustomFields }

// field returns a user's standard field or id as text, for filters.
func (u *User) field(name string) string {
	switch name {
	case "id":
		return strconv.FormatInt(u.ID, 10)
	case "customerId":
		return strconv.FormatInt(u.CustomerID, 10)
	}
	return *u.standard(name)
}

// field returns a customer's standard field or id as text, for filters.
func (c *Customer) field(name string) string {
	if name == "id" {
		return strconv.FormatInt(c.ID, 10)
	}
	return *c.standard(name)
}

func createUser(r *emulators.ResourceRequest, a *State) (any, error) {
	return create(r, a.createUser)
}

// create decodes the spec of a user or customer and creates it; a spec
// the account refuses is a 400.
func create[S, T any](r *emulators.ResourceRequest, build func(S, time.Time) (T, error)) (any, error) {
	var spec S
	if err := r.Decode(&spec); err != nil {
		return nil, err
	}
	v, err := build(spec, r.Now)
	if err != nil {
		return nil, emulators.BadRequest("%s", err)
	}
	return v, nil
}

// UserView is a user with its usage events, newest last.
type UserView struct {
	*User
	UsageEvents []UsageEvent `json:"usageEvents"`
}

func getUser(r *emulators.ResourceRequest, a *State) (any, error) {
	u := a.user(idParam(r))
	if u == nil {
		return nil, emulators.NotFound("no user %q", r.Param("id"))
	}
	return UserView{User: u, UsageEvents: a.eventsOf(a.userEvents(u.ID))}, nil
}

func idParam(r *emulators.ResourceRequest) int64 {
	id, _ := strconv.ParseInt(r.Param("id"), 10, 64)
	return id
}

func createCustomer(r *emulators.ResourceRequest, a *State) (any, error) {
	return create(r, a.createCustomer)
}

// CustomerView is a customer with the ids of its users and its usage
// events (those of its current users, SD-6), newest last.
type CustomerView struct {
	*Customer
	UserIDs     []int64      `json:"userIds"`
	UsageEvents []UsageEvent `json:"usageEvents"`
}

func getCustomer(r *emulators.ResourceRequest, a *State) (any, error) {
	c := a.customer(idParam(r))
	if c == nil {
		return nil, emulators.NotFound("no customer %q", r.Param("id"))
	}
	return CustomerView{Customer: c, UserIDs: append([]int64{}, a.customerUsers(c.ID)...),
		UsageEvents: a.eventsOf(a.customerEvents(c.ID))}, nil
}

// usageEventsView lists usage events; userId and customerId go through
// the event index, so that only the events they name are decoded.
var usageEventsView = emulators.View[*State, UsageEvent]{
	Path: "usage-events", Summary: "List usage events (from/to on the event time)",
	Stored: func(r *emulators.ResourceRequest, a *State) (emulators.Indexed[UsageEvent], error) {
		var pos []int
		narrowed := false
		for _, n := range []struct {
			name   string
			events func(int64) []int
		}{
			{"customerId", a.customerEvents}, // its current users' events (SD-6)
			{"userId", a.userEvents},
		} {
			s := r.Query.Get(n.name)
			if s == "" {
				continue
			}
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, emulators.BadRequest("query parameter %q must be a numeric id", n.name)
			}
			if p := n.events(id); narrowed {
				pos = intersect(pos, p)
			} else {
				pos, narrowed = p, true
			}
		}
		if !narrowed {
			return &a.Events, nil
		}
		return emulators.Pick[UsageEvent](&a.Events, pos), nil
	},
	Narrow: map[string]string{"userId": "the user's numeric id", "customerId": "the customer's numeric id: the events of its current users"},
	Fields: map[string]func(UsageEvent) string{
		"type":        func(ev UsageEvent) string { return ev.Type },
		"segmentType": func(ev UsageEvent) string { return ev.SegmentType },
		"name":        func(ev UsageEvent) string { return ev.Name },
	},
	Time: func(ev UsageEvent) time.Time { return ev.Timestamp },
}

// intersect keeps the positions of a that are also in b; both ascend.
func intersect(a, b []int) []int {
	var out []int
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

func getApp(r *emulators.ResourceRequest, a *State) (any, error) {
	if a := a; a.App != nil {
		return a.App, nil
	}
	return &AppConfig{}, nil
}

// putApp replaces the configuration. Events keep reading the cached copy
// until it is 10 minutes old or flushed (S2-11).
func putApp(r *emulators.ResourceRequest, a *State) (any, error) {
	var cfg AppConfig
	if err := r.Decode(&cfg); err != nil {
		return nil, err
	}
	if err := validateApp(&cfg, a); err != nil {
		return nil, err
	}
	a.App = &cfg
	return a.App, nil
}

// CacheView shows the cached configuration copy and when it goes stale.
type CacheView = wire.StartdeliverAppCache

func getCache(r *emulators.ResourceRequest, a *State) (any, error) {
	c := a.Cache
	if c == nil {
		return CacheView{}, nil
	}
	exp := c.ReadAt.Add(cacheTTL)
	return CacheView{Cached: true, ReadAt: &c.ReadAt, ExpiresAt: &exp, Fresh: r.Now.Before(exp), Configuration: &c.Config}, nil
}

func flushCache(r *emulators.ResourceRequest, a *State) (any, error) {
	was := a.Cache != nil
	a.Cache = nil
	return map[string]bool{"flushed": was}, nil
}
