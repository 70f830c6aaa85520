package client

import (
	"context"
	"net/http"
	"time"
)

// ConnectConfig is the vendor-side config of a Connect environment, for
// AccountSpec.Config: its name, its public key and users that exist before
// the test starts (events are not seeded).
type ConnectConfig struct {
	Environment  string        `json:"environment,omitempty"`
	PublicAPIKey string        `json:"publicApiKey,omitempty"`
	Users        []ConnectUser `json:"users,omitempty"`
}

// CreateConnectEnvironment creates a Connect environment: an account of the
// connect destination with id, its vendor-side config and its keys (the
// private key Segment sends in Basic auth; give each environment its own).
func (c *Client) CreateConnectEnvironment(ctx context.Context, id string, cfg ConnectConfig, keys ...KeySpec) (*Account, error) {
	return c.CreateAccount(ctx, "connect", AccountSpec{ID: id, Config: cfg, Keys: keys})
}

// ConnectEnvironments lists the Connect environments of the namespace.
func (c *Client) ConnectEnvironments(ctx context.Context) ([]Account, error) {
	return c.Accounts(ctx, "connect")
}

// ConnectUser is a Connect user. The users list fills EventCount and leaves
// Events empty; User fills both.
type ConnectUser struct {
	ID          string         `json:"id"`
	FirstName   string         `json:"first_name,omitempty"`
	LastName    string         `json:"last_name,omitempty"`
	Email       string         `json:"email,omitempty"`
	PhoneNumber string         `json:"phone_number,omitempty"`
	Timezone    string         `json:"timezone,omitempty"`
	APNS        []string       `json:"apns,omitempty"`
	FCM         []string       `json:"fcm,omitempty"`
	Attributes  map[string]any `json:"attributes,omitempty"`
	Aliases     []string       `json:"aliases,omitempty"`
	CreatedAt   time.Time      `json:"createdAt,omitzero"`
	UpdatedAt   time.Time      `json:"updatedAt,omitzero"`
	EventCount  int            `json:"eventCount,omitempty"`
	Events      []ConnectEvent `json:"events,omitempty"`
}

// ConnectEvent is a track, page or screen call stored on a user. UserID is
// filled by the events list.
type ConnectEvent struct {
	ID         int64          `json:"id"`
	UserID     string         `json:"userId,omitempty"`
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Timestamp  time.Time      `json:"timestamp"`
	ReceivedAt time.Time      `json:"receivedAt"`
	MessageID  string         `json:"messageId,omitempty"`
}

// Environment reads the environment's name, public key and counts.
func (a *ConnectAccount) Environment(ctx context.Context) (*ConnectEnvironment, error) {
	return call[ConnectEnvironment](ctx, a.c, http.MethodGet, a.path("environment"), nil)
}

// Users lists users, sorted by id. Filters (exact match): email,
// first_name, last_name, phone_number, timezone; apns, fcm and alias match
// a user holding that token or alias.
func (a *ConnectAccount) Users(ctx context.Context, q Query) ([]ConnectUser, error) {
	return list[ConnectUser](ctx, a.c, a.path("users"), q.Values())
}

// User reads one user, by id or by an id aliased to it, with its tokens
// and events; an unknown id is a 404 *Error.
func (a *ConnectAccount) User(ctx context.Context, id string) (*ConnectUser, error) {
	return call[ConnectUser](ctx, a.c, http.MethodGet, a.path("users", id), nil)
}

// Events lists events in arrival order. Filters: userId (an alias finds its
// user), name, search (a part of the name, any casing), type (track, page,
// screen), from and to (RFC 3339, on the event time; from inclusive, to
// exclusive).
func (a *ConnectAccount) Events(ctx context.Context, q Query) ([]ConnectEvent, error) {
	return list[ConnectEvent](ctx, a.c, a.path("events"), q.Values())
}

// EventCounts reads the events view at the namespace clock's now, sorted by
// name. Filters: name; search (a part of the name, in any casing: the
// page's search box, CN-10).
func (a *ConnectAccount) EventCounts(ctx context.Context, q Query) ([]ConnectEventCount, error) {
	return list[ConnectEventCount](ctx, a.c, a.path("event-counts"), q.Values())
}
