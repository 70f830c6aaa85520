package client

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// StartdeliverUser is a user; UsageEvents is filled when it is read alone.
type StartdeliverUser struct {
	ID           int64                    `json:"id"`
	Name         string                   `json:"name"`
	Email        string                   `json:"email"`
	Phone        string                   `json:"phone"`
	Title        string                   `json:"title"`
	CustomerID   int64                    `json:"customerId"`
	CustomFields map[string]any           `json:"customFields"`
	Created      time.Time                `json:"created"`
	Updated      time.Time                `json:"updated"`
	UsageEvents  []StartdeliverUsageEvent `json:"usageEvents"`
}

// StartdeliverCustomer is a customer; UserIDs and UsageEvents are filled
// when it is read alone.
type StartdeliverCustomer struct {
	ID           int64                    `json:"id"`
	Name         string                   `json:"name"`
	CustomFields map[string]any           `json:"customFields"`
	Created      time.Time                `json:"created"`
	Updated      time.Time                `json:"updated"`
	UserIDs      []int64                  `json:"userIds"`
	UsageEvents  []StartdeliverUsageEvent `json:"usageEvents"`
}

// CustomFields lists custom fields (filters: entity, type, alias).
func (s *StartdeliverAccount) CustomFields(ctx context.Context, q Query) ([]StartdeliverCustomField, error) {
	return list[StartdeliverCustomField](ctx, s.c, s.path("custom-fields"), q.Values())
}

// CreateCustomField creates a custom field (409 when the alias exists).
func (s *StartdeliverAccount) CreateCustomField(ctx context.Context, f StartdeliverCustomField) (*StartdeliverCustomField, error) {
	return call[StartdeliverCustomField](ctx, s.c, http.MethodPost, s.path("custom-fields"), f)
}

// DeleteCustomField deletes a custom field and every value of it.
func (s *StartdeliverAccount) DeleteCustomField(ctx context.Context, entity, alias string) error {
	return s.c.Do(ctx, http.MethodDelete, s.path("custom-fields", entity, alias), nil, nil, nil)
}

// Users lists users; a filter names id, customerId, a standard field
// (name, email, phone, title) or a custom field alias; limit and offset
// page the answer (at most 1000 by default).
func (s *StartdeliverAccount) Users(ctx context.Context, q Query) ([]StartdeliverUser, error) {
	return list[StartdeliverUser](ctx, s.c, s.path("users"), q.Values())
}

// CreateUser creates a user, as if it existed before Segment sent anything.
func (s *StartdeliverAccount) CreateUser(ctx context.Context, spec StartdeliverUserSpec) (*StartdeliverUser, error) {
	return call[StartdeliverUser](ctx, s.c, http.MethodPost, s.path("users"), spec)
}

// User reads a user with its usage events.
func (s *StartdeliverAccount) User(ctx context.Context, id int64) (*StartdeliverUser, error) {
	return call[StartdeliverUser](ctx, s.c, http.MethodGet, s.path("users", strconv.FormatInt(id, 10)), nil)
}

// Customers lists customers; filters as for Users (id, name, a customer
// custom field alias).
func (s *StartdeliverAccount) Customers(ctx context.Context, q Query) ([]StartdeliverCustomer, error) {
	return list[StartdeliverCustomer](ctx, s.c, s.path("customers"), q.Values())
}

// CreateCustomer creates a customer.
func (s *StartdeliverAccount) CreateCustomer(ctx context.Context, spec StartdeliverCustomerSpec) (*StartdeliverCustomer, error) {
	return call[StartdeliverCustomer](ctx, s.c, http.MethodPost, s.path("customers"), spec)
}

// Customer reads a customer with its users' ids and its usage events.
func (s *StartdeliverAccount) Customer(ctx context.Context, id int64) (*StartdeliverCustomer, error) {
	return call[StartdeliverCustomer](ctx, s.c, http.MethodGet, s.path("customers", strconv.FormatInt(id, 10)), nil)
}

// UsageEvents lists usage events (filters: userId, customerId, type,
// segmentType, name, from and to as RFC 3339; limit, offset).
func (s *StartdeliverAccount) UsageEvents(ctx context.Context, q Query) ([]StartdeliverUsageEvent, error) {
	return list[StartdeliverUsageEvent](ctx, s.c, s.path("usage-events"), q.Values())
}

// SegmentApp reads the v2 Segment app configuration as the account holds it.
func (s *StartdeliverAccount) SegmentApp(ctx context.Context) (*StartdeliverSegmentApp, error) {
	return call[StartdeliverSegmentApp](ctx, s.c, http.MethodGet, s.path("segment-app"), nil)
}

// ReplaceSegmentApp replaces the v2 configuration. Events see the change
// once the cached copy is 10 minutes old (emulator clock) or flushed.
func (s *StartdeliverAccount) ReplaceSegmentApp(ctx context.Context, cfg StartdeliverSegmentApp) (*StartdeliverSegmentApp, error) {
	return call[StartdeliverSegmentApp](ctx, s.c, http.MethodPut, s.path("segment-app"), cfg)
}

// SegmentAppCache reads the cached copy of the v2 configuration.
func (s *StartdeliverAccount) SegmentAppCache(ctx context.Context) (*StartdeliverAppCache, error) {
	return call[StartdeliverAppCache](ctx, s.c, http.MethodGet, s.path("segment-app", "cache"), nil)
}

// FlushSegmentApp empties the configuration cache, so the next identify or
// group reads the configuration at once.
func (s *StartdeliverAccount) FlushSegmentApp(ctx context.Context) error {
	return s.c.Do(ctx, http.MethodPost, s.path("segment-app", "flush"), nil, nil, nil)
}
