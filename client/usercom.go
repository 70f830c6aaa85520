package client

import (
	"context"
	"net/http"
	"time"
)

// usercomList reads one of the app's lists.
func usercomList[T any](ctx context.Context, u *Usercom, q Query, what string) ([]T, error) {
	return list[T](ctx, u.c, u.path(what), q.Values())
}

// UsercomAttribute is an attribute definition. Origin is "defined" (set up
// through config or the control plane) or "auto" (created as a string on
// first sight of an unknown trait or property).
type UsercomAttribute struct {
	ContentType string    `json:"content_type"`
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	Origin      string    `json:"origin"`
	CreatedAt   time.Time `json:"created_at"`
}

// UsercomUserDetail is a user with its page views and event occurrences,
// oldest first.
type UsercomUserDetail struct {
	UsercomUser
	PageViewLog []UsercomPageView   `json:"page_view_log"`
	Events      []UsercomOccurrence `json:"events"`
}

// UsercomCompanyDetail is a company with its member users.
type UsercomCompanyDetail struct {
	UsercomCompany
	Members []UsercomUser `json:"members"`
}

type usercomDomain struct {
	Domain string `json:"domain"`
}

// TrustedDomains lists the app's trusted domains.
func (u *Usercom) TrustedDomains(ctx context.Context) ([]string, error) {
	ds, err := usercomList[usercomDomain](ctx, u, nil, "trusted-domains")
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Domain
	}
	return out, nil
}

// AddTrustedDomain trusts a domain and its sub-domains; it returns the
// domain as stored (lower case, host only).
func (u *Usercom) AddTrustedDomain(ctx context.Context, domain string) (string, error) {
	var d usercomDomain
	err := u.c.Do(ctx, http.MethodPost, u.path("trusted-domains"), nil, usercomDomain{domain}, &d)
	return d.Domain, err
}

// RemoveTrustedDomain stops trusting a domain.
func (u *Usercom) RemoveTrustedDomain(ctx context.Context, domain string) error {
	return u.c.Do(ctx, http.MethodDelete, u.path("trusted-domains", domain), nil, nil, nil)
}

// CreateAttribute defines an attribute.
func (u *Usercom) CreateAttribute(ctx context.Context, spec UsercomAttributeSpec) (*UsercomAttribute, error) {
	return call[UsercomAttribute](ctx, u.c, http.MethodPost, u.path("attributes"), spec)
}

// Attributes lists attribute definitions; filters content_type, name, type,
// origin.
func (u *Usercom) Attributes(ctx context.Context, q Query) ([]UsercomAttribute, error) {
	return usercomList[UsercomAttribute](ctx, u, q, "attributes")
}

// Users lists users; filters are their field names (email, user_id, ...),
// attributes.<name>, company (a groupId) and from/to on created_at.
func (u *Usercom) Users(ctx context.Context, q Query) ([]UsercomUser, error) {
	return usercomList[UsercomUser](ctx, u, q, "users")
}

// User reads one user by userId, else anonymousId, else id.
func (u *Usercom) User(ctx context.Context, key string) (*UsercomUserDetail, error) {
	return call[UsercomUserDetail](ctx, u.c, http.MethodGet, u.path("users", key), nil)
}

// Companies lists companies; filters group_id, name, email, phone, country,
// city, member (a userId or anonymousId), attributes.<name>, from/to.
func (u *Usercom) Companies(ctx context.Context, q Query) ([]UsercomCompany, error) {
	return usercomList[UsercomCompany](ctx, u, q, "companies")
}

// Company reads one company by groupId, with its members.
func (u *Usercom) Company(ctx context.Context, groupID string) (*UsercomCompanyDetail, error) {
	return call[UsercomCompanyDetail](ctx, u.c, http.MethodGet, u.path("companies", groupID), nil)
}

// Events lists event definitions; filter name.
func (u *Usercom) Events(ctx context.Context, q Query) ([]UsercomEvent, error) {
	return usercomList[UsercomEvent](ctx, u, q, "events")
}

// Occurrences lists event occurrences; filters event, user_id,
// anonymous_id, user, message_id, properties.<name>, from/to.
func (u *Usercom) Occurrences(ctx context.Context, q Query) ([]UsercomOccurrence, error) {
	return usercomList[UsercomOccurrence](ctx, u, q, "occurrences")
}

// PageViews lists page views; filters user_id, anonymous_id, user,
// message_id, url, path, title, name, from/to.
func (u *Usercom) PageViews(ctx context.Context, q Query) ([]UsercomPageView, error) {
	return usercomList[UsercomPageView](ctx, u, q, "page-views")
}
