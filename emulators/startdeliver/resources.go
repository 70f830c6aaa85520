package startdeliver

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/destemu/destemu/emulators"
)

// Resources lists the control-plane routes: custom fields, users,
// customers and usage events for both destinations, and the Segment app
// configuration for v2.
func (d *Destination) Resources() []emulators.Resource[*State] {
	rs := []emulators.Resource[*State]{
		{Method: http.MethodGet, Path: "custom-fields", Summary: "List custom fields (filters: entity, type, alias)", Handle: listFields},
		{Method: http.MethodPost, Path: "custom-fields", Summary: "Create a user or customer custom field", Status: http.StatusCreated, Handle: createField},
		{Method: http.MethodDelete, Path: "custom-fields/{entity}/{alias}", Summary: "Delete a custom field and its values", Handle: deleteField},
		{Method: http.MethodGet, Path: "users", Summary: "List users (filter on any field or custom field alias; limit, offset)", Handle: listUsers},
		{Method: http.MethodPost, Path: "users", Summary: "Create a user (seed existing data)", Status: http.StatusCreated, Handle: createUser},
		{Method: http.MethodGet, Path: "users/{id}", Summary: "Read a user with its usage events", Handle: getUser},
		{Method: http.MethodGet, Path: "customers", Summary: "List customers (filter on any field or custom field alias; limit, offset)", Handle: listCustomers},
		{Method: http.MethodPost, Path: "customers", Summary: "Create a customer (seed existing data)", Status: http.StatusCreated, Handle: createCustomer},
		{Method: http.MethodGet, Path: "customers/{id}", Summary: "Read a customer with its users and usage events", Handle: getCustomer},
		{Method: http.MethodGet, Path: "usage-events", Summary: "List usage events (filters: userId, customerId, type, segmentType, name, from, to; limit, offset)", Handle: listEvents},
	}
	if d.v2 {
		rs = append(rs,
			emulators.Resource[*State]{Method: http.MethodGet, Path: "segment-app", Summary: "Read the Segment app configuration", Handle: getApp},
			emulators.Resource[*State]{Method: http.MethodPut, Path: "segment-app", Summary: "Replace the Segment app configuration (events see it once the 10-minute cache expires)", Handle: putApp},
			emulators.Resource[*State]{Method: http.MethodGet, Path: "segment-app/cache", Summary: "Read the cached copy of the Segment app configuration", Handle: getCache},
			emulators.Resource[*State]{Method: http.MethodPost, Path: "segment-app/flush", Summary: "Empty the configuration cache: the next event reads the configuration", Handle: flushCache},
		)
	}
	return rs
}

// defaultLimit bounds a list when the call gives no limit (decision: an
// account may hold a million users).
const defaultLimit = 1000

// paginate reads limit and offset and returns the page of items.
func paginate[T any](q url.Values, items []T) (emulators.List[T], error) {
	limit, offset := defaultLimit, 0
	for name, dst := range map[string]*int{"limit": &limit, "offset": &offset} {
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return emulators.List[T]{}, emulators.BadRequest("query parameter %q must be a whole number ≥ 0", name)
			}
			*dst = n
		}
	}
	total := len(items)
	offset = min(offset, total)
	return emulators.ListOf(items[offset:min(total, offset+limit)], total), nil
}

func listFields(r *emulators.ResourceRequest, a *State) (any, error) {
	var out []CustomField
	q := r.Query
	for _, f := range a.Fields {
		if matches(q, "entity", string(f.Entity)) && matches(q, "type", string(f.Type)) && matches(q, "alias", f.Alias) {
			out = append(out, f)
		}
	}
	return paginate(q, out)
}

// matches is an exact-match filter on one query parameter.
func matches(q url.Values, name, value string) bool {
	return !q.Has(name) || q.Get(name) == value
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
		for _, u := range a.Users {
			u.CustomFields.remove(alias)
		}
	} else {
		for _, c := range a.Customers {
			c.CustomFields.remove(alias)
		}
	}
	return f, nil
}

// filter is one list filter: a standard field, an id, or a custom field
// whose wanted value is converted to the field's type.
type filter struct {
	name   string
	custom bool
	want   string // the wanted value, or its index key for a custom field
}

// filters reads the list filters of an entity: "id", the standard fields,
// "customerId" for users, or a custom field alias. Anything else is a 400.
func (a *State) filters(e Entity, q url.Values) ([]filter, error) {
	var out []filter
	for name := range q {
		if name == "limit" || name == "offset" {
			continue
		}
		want := q.Get(name)
		switch {
		case name == "id" || isStandard(e, name) || (e == EntityUser && name == "customerId"):
			out = append(out, filter{name: name, want: want})
		default:
			f, ok := a.field(e, name)
			if !ok {
				return nil, emulators.BadRequest("unknown filter %q: not id, %v or a %s custom field alias", name, standardFields[e], e)
			}
			v, ok := convert(f.Type, want)
			if !ok {
				return nil, emulators.BadRequest("filter %q: %q is not a %s value", name, want, f.Type)
			}
			out = append(out, filter{name: name, custom: true, want: valueKey(v)})
		}
	}
	return out, nil
}

// match reports whether a record passes every filter.
func match(fs []filter, values FieldValues, standard func(string) string) bool {
	for _, f := range fs {
		if f.custom {
			v, ok := values.Get(f.name)
			if !ok || valueKey(v) != f.want {
				return false
			}
		} else if standard(f.name) != f.want {
			return false
		}
	}
	return true
}

func listUsers(r *emulators.ResourceRequest, a *State) (any, error) {
	return list(a, EntityUser, r.Query, a.Users)
}

// record is a user or a customer, as lists filter them.
type record interface {
	values() FieldValues
	field(name string) string
}

// list filters users or customers and returns a page of them. The platform
// encodes the answer under the account's lock, so records need no copy.
func list[T record](a *State, e Entity, q url.Values, all []T) (any, error) {
	fs, err := a.filters(e, q)
	if err != nil {
		return nil, err
	}
	candidates := all
	if ids, ok := a.indexed(e, fs); ok {
		// An indexed filter narrows the scan to the records holding its
		// value (ids are positions, in ascending order, so the answer keeps
		// the order a full scan gives); every filter is still applied.
		candidates = make([]T, 0, len(ids))
		for _, id := range ids {
			if id >= 1 && id <= int64(len(all)) {
				candidates = append(candidates, all[id-1])
			}
		}
	}
	var out []T
	for _, rec := range candidates {
		if match(fs, rec.values(), rec.field) {
			out = append(out, rec)
		}
	}
	return paginate(q, out)
}

// indexed returns the ids of the records that may pass the filters, from
// the first filter an index answers: a custom field, the user's email, or
// the id itself. ok is false when no filter is indexed (a scan is needed).
func (a *State) indexed(e Entity, fs []filter) (ids []int64, ok bool) {
	for _, f := range fs {
		switch {
		case f.custom:
			if x, has := a.index(e)[f.name]; has {
				return x[f.want], true
			}
		case e == EntityUser && f.name == emailField && emailKey(f.want) != "":
			return a.users[emailField][emailKey(f.want)], true
		case f.name == "id":
			id, err := strconv.ParseInt(f.want, 10, 64)
			if err != nil {
				return nil, true // no record has that id
			}
			return []int64{id}, true
		}
	}
	return nil, false
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
	var spec UserSpec
	if err := r.Decode(&spec); err != nil {
		return nil, err
	}
	u, err := a.createUser(spec, r.Now)
	if err != nil {
		return nil, emulators.BadRequest("%s", err)
	}
	return u, nil
}

// UserView is a user with its usage events, newest last.
type UserView struct {
	*User
	UsageEvents []*UsageEvent `json:"usageEvents"`
}

func getUser(r *emulators.ResourceRequest, a *State) (any, error) {
	u := a.user(idParam(r))
	if u == nil {
		return nil, emulators.NotFound("no user %q", r.Param("id"))
	}
	return UserView{User: u, UsageEvents: a.eventsOf(a.eventsByUser[u.ID])}, nil
}

func idParam(r *emulators.ResourceRequest) int64 {
	id, _ := strconv.ParseInt(r.Param("id"), 10, 64)
	return id
}

func listCustomers(r *emulators.ResourceRequest, a *State) (any, error) {
	return list(a, EntityCustomer, r.Query, a.Customers)
}

func createCustomer(r *emulators.ResourceRequest, a *State) (any, error) {
	var spec CustomerSpec
	if err := r.Decode(&spec); err != nil {
		return nil, err
	}
	c, err := a.createCustomer(spec, r.Now)
	if err != nil {
		return nil, emulators.BadRequest("%s", err)
	}
	return c, nil
}

// CustomerView is a customer with the ids of its users and its usage
// events (those of its users while they belonged to it), newest last.
type CustomerView struct {
	*Customer
	UserIDs     []int64       `json:"userIds"`
	UsageEvents []*UsageEvent `json:"usageEvents"`
}

func getCustomer(r *emulators.ResourceRequest, a *State) (any, error) {
	c := a.customer(idParam(r))
	if c == nil {
		return nil, emulators.NotFound("no customer %q", r.Param("id"))
	}
	v := CustomerView{Customer: c, UserIDs: []int64{}, UsageEvents: a.eventsOf(a.eventsByCustomer[c.ID])}
	for _, u := range a.Users {
		if u.CustomerID == c.ID {
			v.UserIDs = append(v.UserIDs, u.ID)
		}
	}
	return v, nil
}

// listEvents lists usage events; from is inclusive and to exclusive, both
// RFC 3339 and compared with the event time.
func listEvents(r *emulators.ResourceRequest, a *State) (any, error) {
	q := r.Query
	var from, to time.Time
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if s := q.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, emulators.BadRequest("query parameter %q: %q is not an RFC 3339 time", name, s)
			}
			*dst = t
		}
	}
	candidates := a.Events
	for name, idx := range map[string]map[int64][]int{"userId": a.eventsByUser, "customerId": a.eventsByCustomer} {
		if s := q.Get(name); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, emulators.BadRequest("query parameter %q must be a numeric id", name)
			}
			candidates = intersect(candidates, a.eventsOf(idx[id]))
		}
	}
	var out []*UsageEvent
	for _, ev := range candidates {
		if matches(q, "type", ev.Type) && matches(q, "segmentType", ev.SegmentType) && matches(q, "name", ev.Name) &&
			(from.IsZero() || !ev.Timestamp.Before(from)) && (to.IsZero() || ev.Timestamp.Before(to)) {
			out = append(out, ev)
		}
	}
	return paginate(q, out)
}

// intersect keeps the events of all that are also in some, in order.
func intersect(all, some []*UsageEvent) []*UsageEvent {
	if len(all) == 0 || len(some) == 0 {
		return nil
	}
	keep := make(map[int64]bool, len(some))
	for _, ev := range some {
		keep[ev.ID] = true
	}
	var out []*UsageEvent
	for _, ev := range all {
		if keep[ev.ID] {
			out = append(out, ev)
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
	if err := cfg.validate(a); err != nil {
		return nil, err
	}
	a.App = &cfg
	return a.App, nil
}

// CacheView shows the cached configuration copy and when it goes stale.
type CacheView struct {
	Cached        bool       `json:"cached"`
	ReadAt        *time.Time `json:"readAt,omitempty"`
	ExpiresAt     *time.Time `json:"expiresAt,omitempty"`
	Fresh         bool       `json:"fresh"` // events at the clock's now use this copy
	Configuration *AppConfig `json:"configuration,omitempty"`
}

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
