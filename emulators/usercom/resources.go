package usercom

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/destemu/destemu/emulators"
)

// Domain is a trusted domain as the control plane shows it.
type Domain struct {
	Domain string `json:"domain"`
}

// UserDetail is one user with what happened to it: its page views and
// event occurrences, oldest first.
type UserDetail struct {
	*User
	PageViewLog []PageView   `json:"page_view_log"`
	Events      []Occurrence `json:"events"`
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
		domainsView.Resource(),
		{Method: http.MethodPost, Path: "trusted-domains", Summary: "Trust a domain and its sub-domains (UC-3)", Status: http.StatusCreated, In: reflect.TypeFor[Domain](), Out: reflect.TypeFor[Domain](), Handle: addDomain},
		{Method: http.MethodDelete, Path: "trusted-domains/{domain}", Summary: "Stop trusting a domain (UC-3)", Out: reflect.TypeFor[Domain](), Handle: removeDomain},
		attributesView.Resource(),
		{Method: http.MethodPost, Path: "attributes", Summary: "Define a user, company or event attribute with its type (UC-9)", Status: http.StatusCreated, In: reflect.TypeFor[AttributeSpec](), Out: reflect.TypeFor[Attribute](), Handle: createAttribute},
		usersView.Resource(),
		{Method: http.MethodGet, Path: "users/{user}", Summary: "Get a user by userId, anonymousId or id, with page views and events", Out: reflect.TypeFor[UserDetail](), Handle: getUser},
		companiesView.Resource(),
		{Method: http.MethodGet, Path: "companies/{groupId}", Summary: "Get a company by groupId with its members", Out: reflect.TypeFor[CompanyDetail](), Handle: getCompany},
		eventsView.Resource(),
		occurrencesView.Resource(),
		pageViewsView.Resource(),
	}
}

// The platform encodes a resource's answer before it releases the account
// lock (see emulators.Resource), so answers may share memory with the state:
// nothing here is copied.

var domainsView = emulators.View[*State, Domain]{
	Path: "trusted-domains", Summary: "List the app's trusted domains (UC-3)",
	Items: func(_ *emulators.ResourceRequest, st *State) ([]Domain, error) {
		out := make([]Domain, len(st.TrustedDomains))
		for i, d := range st.TrustedDomains {
			out[i] = Domain{d}
		}
		return out, nil
	},
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

var attributesView = emulators.View[*State, *Attribute]{
	Path: "attributes", Summary: "List attribute definitions",
	Items: func(_ *emulators.ResourceRequest, st *State) ([]*Attribute, error) { return st.Attributes, nil },
	Fields: map[string]func(*Attribute) string{
		"content_type": func(a *Attribute) string { return string(a.ContentType) },
		"name":         func(a *Attribute) string { return a.Name },
		"type":         func(a *Attribute) string { return string(a.Type) },
		"origin":       func(a *Attribute) string { return string(a.Origin) },
	}}

var usersView = emulators.View[*State, *User]{
	Path: "users", Summary: "List users (from/to on created_at)",
	Stored: func(r *emulators.ResourceRequest, st *State) (emulators.Indexed[*User], error) {
		return usersFor(r, st), nil
	},
	Fields: userText,
	Multi: map[string]func(*User) []string{
		"company": func(u *User) []string { return u.Companies },
	},
	Attributes: emulators.TextAttribute[*State](func(u *User) map[string]any { return u.Attributes.Map() }),
	AttrPrefix: attrPrefix,
	Time:       func(u *User) time.Time { return u.CreatedAt },
}

func getUser(r *emulators.ResourceRequest, st *State) (any, error) {
	u, ok := st.lookupUser(r.Param("user"))
	if !ok {
		return nil, emulators.NotFound("no user with userId, anonymousId or id %q", r.Param("user"))
	}
	return UserDetail{User: u, PageViewLog: st.pageViewsOf(u.ID), Events: st.occurrencesOf(u.ID)}, nil
}

var companiesView = emulators.View[*State, *Company]{
	Path: "companies", Summary: "List companies (from/to on created_at)",
	Items: func(r *emulators.ResourceRequest, st *State) ([]*Company, error) {
		if !r.Query.Has("member") {
			return st.Companies, nil
		}
		member := r.Query.Get("member")
		var out []*Company
		for _, c := range st.Companies {
			if slices.ContainsFunc(c.MemberIDs, func(id int64) bool {
				return st.Users.userID(id) == member || st.Users.anonymousID(id) == member
			}) {
				out = append(out, c)
			}
		}
		return out, nil
	},
	Fields: map[string]func(*Company) string{
		"group_id": func(c *Company) string { return c.GroupID },
		"name":     func(c *Company) string { return c.Name },
		"email":    func(c *Company) string { return c.Email },
		"phone":    func(c *Company) string { return c.Phone },
		"country":  func(c *Company) string { return c.Country },
		"city":     func(c *Company) string { return c.City },
	},
	Narrow:     map[string]string{"member": "a member's userId or anonymousId"},
	Attributes: emulators.TextAttribute[*State](func(c *Company) map[string]any { return c.Attributes }),
	AttrPrefix: "attributes.",
	Time:       func(c *Company) time.Time { return c.CreatedAt },
}

func getCompany(r *emulators.ResourceRequest, st *State) (any, error) {
	c, ok := st.companies[r.Param("groupId")]
	if !ok {
		return nil, emulators.NotFound("no company with groupId %q", r.Param("groupId"))
	}
	members := make([]*User, 0, len(c.MemberIDs))
	for _, id := range c.MemberIDs {
		members = append(members, st.Users.user(id))
	}
	return CompanyDetail{Company: c, Members: members}, nil
}

var eventsView = emulators.View[*State, *EventDefinition]{
	Path: "events", Summary: "List event definitions (from/to on created_at)",
	Items: func(_ *emulators.ResourceRequest, st *State) ([]*EventDefinition, error) { return st.Events, nil },
	Fields: map[string]func(*EventDefinition) string{
		"name": func(e *EventDefinition) string { return e.Name },
	},
	Time: func(e *EventDefinition) time.Time { return e.CreatedAt },
}

// occurrencesView and pageViewsView decode only the records their filters
// read, and without a filter only their page; user goes through the
// user's chain.
var occurrencesView = emulators.View[*State, Occurrence]{
	Path: "occurrences", Summary: "List event occurrences",
	Stored: func(r *emulators.ResourceRequest, st *State) (emulators.Indexed[Occurrence], error) {
		return storedFor(r, &st.Occurrences, st.userOccs), nil
	},
	Fields: map[string]func(Occurrence) string{
		"event":        func(o Occurrence) string { return o.Event },
		"user_id":      func(o Occurrence) string { return o.UserID },
		"anonymous_id": func(o Occurrence) string { return o.AnonymousID },
		"user":         func(o Occurrence) string { return strconv.FormatInt(o.User, 10) },
		"message_id":   func(o Occurrence) string { return o.MessageID },
	},
	Attributes: emulators.TextAttribute[*State](func(o Occurrence) map[string]any { return o.Properties.Map() }),
	AttrPrefix: "properties.",
	Time:       func(o Occurrence) time.Time { return o.Timestamp },
}

var pageViewsView = emulators.View[*State, PageView]{
	Path: "page-views", Summary: "List page views",
	Stored: func(r *emulators.ResourceRequest, st *State) (emulators.Indexed[PageView], error) {
		return storedFor(r, &st.PageViews, st.userViews), nil
	},
	Fields: map[string]func(PageView) string{
		"user_id":      func(v PageView) string { return v.UserID },
		"anonymous_id": func(v PageView) string { return v.AnonymousID },
		"user":         func(v PageView) string { return strconv.FormatInt(v.User, 10) },
		"message_id":   func(v PageView) string { return v.MessageID },
		"url":          func(v PageView) string { return v.URL },
		"path":         func(v PageView) string { return v.Path },
		"title":        func(v PageView) string { return v.Title },
		"name":         func(v PageView) string { return v.Name },
	},
	Time: func(v PageView) time.Time { return v.Timestamp },
}
