package usercom

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// Domain is a trusted domain as the control plane shows it.
type Domain struct {
	Domain string `json:"domain"`
}

// UserDetail is one user with what happened to it: its page views and
// event occurrences, oldest first.
type UserDetail struct {
	*User
	PageViewLog []*PageView   `json:"page_view_log"`
	Events      []*Occurrence `json:"events"`
}

// CompanyDetail is one company with its members.
type CompanyDetail struct {
	*Company
	Members []*User `json:"members"`
}

// Resources lists the control-plane routes of an app, below
// /_emulator/usercom/accounts/{id}/.
func (*Destination) Resources() []emulators.Resource[*State] {
	return []emulators.Resource[*State]{
		{Method: http.MethodGet, Path: "trusted-domains", Summary: "List the app's trusted domains (UC-3)", Handle: listDomains},
		{Method: http.MethodPost, Path: "trusted-domains", Summary: "Trust a domain and its sub-domains (UC-3)", Status: http.StatusCreated, Handle: addDomain},
		{Method: http.MethodDelete, Path: "trusted-domains/{domain}", Summary: "Stop trusting a domain (UC-3)", Handle: removeDomain},
		{Method: http.MethodGet, Path: "attributes", Summary: "List attribute definitions; filters content_type, name, type, origin", Handle: listAttributes},
		{Method: http.MethodPost, Path: "attributes", Summary: "Define a user, company or event attribute with its type (UC-9)", Status: http.StatusCreated, Handle: createAttribute},
		{Method: http.MethodGet, Path: "users", Summary: "List users; filters on their fields, attributes.<name>, company, from/to on created_at", Handle: listUsers},
		{Method: http.MethodGet, Path: "users/{user}", Summary: "Get a user by userId, anonymousId or id, with page views and events", Handle: getUser},
		{Method: http.MethodGet, Path: "companies", Summary: "List companies; filters on their fields, attributes.<name>, member", Handle: listCompanies},
		{Method: http.MethodGet, Path: "companies/{groupId}", Summary: "Get a company by groupId with its members", Handle: getCompany},
		{Method: http.MethodGet, Path: "events", Summary: "List event definitions; filter name", Handle: listEvents},
		{Method: http.MethodGet, Path: "occurrences", Summary: "List event occurrences; filters event, user_id, anonymous_id, user, message_id, from/to", Handle: listOccurrences},
		{Method: http.MethodGet, Path: "page-views", Summary: "List page views; filters user_id, anonymous_id, user, url, path, title, name, from/to", Handle: listPageViews},
	}
}

// The platform encodes a resource's answer before it releases the account
// lock (see emulators.Resource), so answers may share memory with the state:
// nothing here is copied.

func listDomains(r *emulators.ResourceRequest, st *State) (any, error) {
	out := emulators.List[Domain]{Items: make([]Domain, 0, len(st.TrustedDomains))}
	for _, d := range st.TrustedDomains {
		out.Items = append(out.Items, Domain{d})
	}
	out.Total = len(out.Items)
	return out, nil
}

func addDomain(r *emulators.ResourceRequest, st *State) (any, error) {
	var in Domain
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	d, err := st.addDomain(in.Domain)
	if err != nil {
		return nil, err
	}
	return Domain{d}, nil
}

func removeDomain(r *emulators.ResourceRequest, st *State) (any, error) {
	d, err := st.removeDomain(r.Param("domain"))
	if err != nil {
		return nil, err
	}
	return Domain{d}, nil
}

func createAttribute(r *emulators.ResourceRequest, st *State) (any, error) {
	var in AttributeSpec
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	return st.defineAttribute(in, OriginDefined, r.Now)
}

var attributeFilters = filters[*Attribute]{fields: map[string]func(*Attribute) string{
	"content_type": func(a *Attribute) string { return string(a.ContentType) },
	"name":         func(a *Attribute) string { return a.Name },
	"type":         func(a *Attribute) string { return string(a.Type) },
	"origin":       func(a *Attribute) string { return string(a.Origin) },
}}

func listAttributes(r *emulators.ResourceRequest, st *State) (any, error) {
	return attributeFilters.list(r.Query, st.Attributes)
}

var userFilters = filters[*User]{
	fields: map[string]func(*User) string{
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
	},
	multi: map[string]func(*User) []string{
		"company": func(u *User) []string { return u.Companies },
	},
	attributes: func(u *User) map[string]any { return u.Attributes },
	time:       func(u *User) time.Time { return u.CreatedAt },
}

func listUsers(r *emulators.ResourceRequest, st *State) (any, error) {
	return userFilters.list(r.Query, st.Users)
}

func getUser(r *emulators.ResourceRequest, st *State) (any, error) {
	u, ok := st.lookupUser(r.Param("user"))
	if !ok {
		return nil, emulators.NotFound("no user with userId, anonymousId or id %q", r.Param("user"))
	}
	return UserDetail{User: u,
		PageViewLog: slices.Clip(append([]*PageView{}, st.userViews[u.ID]...)),
		Events:      slices.Clip(append([]*Occurrence{}, st.userOccs[u.ID]...))}, nil
}

func companyFilters(st *State) filters[*Company] {
	return filters[*Company]{
		fields: map[string]func(*Company) string{
			"group_id": func(c *Company) string { return c.GroupID },
			"name":     func(c *Company) string { return c.Name },
			"email":    func(c *Company) string { return c.Email },
			"phone":    func(c *Company) string { return c.Phone },
			"country":  func(c *Company) string { return c.Country },
			"city":     func(c *Company) string { return c.City },
		},
		// member matches a member's userId or anonymousId.
		multi: map[string]func(*Company) []string{
			"member": func(c *Company) []string {
				keys := make([]string, 0, 2*len(c.MemberIDs))
				for _, id := range c.MemberIDs {
					u := st.Users[id-1]
					keys = append(keys, u.UserID, u.AnonymousID)
				}
				return keys
			},
		},
		attributes: func(c *Company) map[string]any { return c.Attributes },
		time:       func(c *Company) time.Time { return c.CreatedAt },
	}
}

func listCompanies(r *emulators.ResourceRequest, st *State) (any, error) {
	return companyFilters(st).list(r.Query, st.Companies)
}

func getCompany(r *emulators.ResourceRequest, st *State) (any, error) {
	c, ok := st.companies[r.Param("groupId")]
	if !ok {
		return nil, emulators.NotFound("no company with groupId %q", r.Param("groupId"))
	}
	members := make([]*User, 0, len(c.MemberIDs))
	for _, id := range c.MemberIDs {
		members = append(members, st.Users[id-1])
	}
	return CompanyDetail{Company: c, Members: members}, nil
}

var eventFilters = filters[*EventDefinition]{
	fields: map[string]func(*EventDefinition) string{
		"name": func(e *EventDefinition) string { return e.Name },
	},
	time: func(e *EventDefinition) time.Time { return e.CreatedAt },
}

func listEvents(r *emulators.ResourceRequest, st *State) (any, error) {
	return eventFilters.list(r.Query, st.Events)
}

var occurrenceFilters = filters[*Occurrence]{
	fields: map[string]func(*Occurrence) string{
		"event":        func(o *Occurrence) string { return o.Event },
		"user_id":      func(o *Occurrence) string { return o.UserID },
		"anonymous_id": func(o *Occurrence) string { return o.AnonymousID },
		"user":         func(o *Occurrence) string { return strconv.FormatInt(o.User, 10) },
		"message_id":   func(o *Occurrence) string { return o.MessageID },
	},
	attributes: func(o *Occurrence) map[string]any { return o.Properties },
	attrPrefix: "properties.",
	time:       func(o *Occurrence) time.Time { return o.Timestamp },
}

func listOccurrences(r *emulators.ResourceRequest, st *State) (any, error) {
	return occurrenceFilters.list(r.Query, st.Occurrences)
}

var pageViewFilters = filters[*PageView]{
	fields: map[string]func(*PageView) string{
		"user_id":      func(v *PageView) string { return v.UserID },
		"anonymous_id": func(v *PageView) string { return v.AnonymousID },
		"user":         func(v *PageView) string { return strconv.FormatInt(v.User, 10) },
		"message_id":   func(v *PageView) string { return v.MessageID },
		"url":          func(v *PageView) string { return v.URL },
		"path":         func(v *PageView) string { return v.Path },
		"title":        func(v *PageView) string { return v.Title },
		"name":         func(v *PageView) string { return v.Name },
	},
	time: func(v *PageView) time.Time { return v.Timestamp },
}

func listPageViews(r *emulators.ResourceRequest, st *State) (any, error) {
	return pageViewFilters.list(r.Query, st.PageViews)
}

// filters describes the query parameters a list takes: exact matches on
// text fields, membership in a list field, attributes.<name> (or another
// prefix) compared with the attribute's text form, and from/to (RFC 3339;
// from inclusive, to exclusive) on the item's time.
type filters[T any] struct {
	fields     map[string]func(T) string
	multi      map[string]func(T) []string
	attributes func(T) map[string]any
	attrPrefix string // "attributes." when empty
	time       func(T) time.Time
}

// list answers the items that match the query.
func (f filters[T]) list(q url.Values, items []T) (emulators.List[T], error) {
	match, err := f.matcher(q)
	if err != nil {
		return emulators.List[T]{}, err
	}
	out := emulators.List[T]{Items: make([]T, 0, len(items))}
	for _, it := range items {
		if match(it) {
			out.Items = append(out.Items, it)
		}
	}
	out.Total = len(out.Items)
	return out, nil
}

// matcher turns the query into one predicate, refusing unknown parameters
// and malformed times with a 400 that names them.
func (f filters[T]) matcher(q url.Values) (func(T) bool, error) {
	var preds []func(T) bool
	prefix := f.attrPrefix
	if prefix == "" {
		prefix = "attributes."
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		want := q.Get(name)
		switch get, multi := f.fields[name], f.multi[name]; {
		case get != nil:
			preds = append(preds, func(it T) bool { return get(it) == want })
		case multi != nil:
			preds = append(preds, func(it T) bool { return slices.Contains(multi(it), want) })
		case f.attributes != nil && strings.HasPrefix(name, prefix) && len(name) > len(prefix):
			attr := name[len(prefix):]
			preds = append(preds, func(it T) bool {
				v, ok := f.attributes(it)[attr]
				s, _ := segment.Text(v)
				return ok && s == want
			})
		case f.time != nil && (name == "from" || name == "to"):
			t, err := time.Parse(time.RFC3339Nano, want)
			if err != nil {
				return nil, emulators.BadRequest("query parameter %q: %q is not an RFC 3339 time", name, want)
			}
			if name == "from" {
				preds = append(preds, func(it T) bool { return !f.time(it).Before(t) })
			} else {
				preds = append(preds, func(it T) bool { return f.time(it).Before(t) })
			}
		default:
			return nil, emulators.BadRequest("unknown query parameter %q; this list filters on %s", name, f.known(prefix))
		}
	}
	return func(it T) bool {
		for _, p := range preds {
			if !p(it) {
				return false
			}
		}
		return true
	}, nil
}

func (f filters[T]) known(prefix string) string {
	names := slices.Sorted(maps.Keys(f.fields))
	names = append(names, slices.Sorted(maps.Keys(f.multi))...)
	if f.attributes != nil {
		names = append(names, prefix+"<name>")
	}
	if f.time != nil {
		names = append(names, "from", "to")
	}
	return strings.Join(names, ", ")
}
