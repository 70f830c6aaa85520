// Package usercom emulates User.com (formerly UserEngage) as a Segment
// partner destination: an app with trusted domains, attribute definitions
// for users, companies and event properties, users found by userId else
// anonymousId and created on first sight, companies with members, event
// definitions created on first sight, event occurrences and page views
// (behaviours UC-1 to UC-12 and EN-1 in spec/behaviors.md).
//
// The vendor document it follows is the seed shared/seeds/usercom.txt, a
// copy of https://segment.com/docs/connections/destinations/catalog/user-com/.
package usercom

import (
	"encoding/json"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/wire"
)

// Slug names the destination in URLs: the webhook is POST /usercom.
const Slug = "usercom"

// Destination is the User.com destination. It holds no state of its own:
// every app's state is a *State the platform keeps per account and hands to
// Handle with the account's lock held.
type Destination struct{}

// New returns the User.com destination, for server.DefaultEmulators.
func New() *Destination { return &Destination{} }

var _ emulators.Destination[*State] = (*Destination)(nil)

// Info describes the destination. The API key is the app's Segment API key
// and comes from Basic auth, so no setting is listed (the seed's only
// setting is that key).
func (*Destination) Info() emulators.Info {
	return emulators.Info{
		Slug:         Slug,
		Name:         "User.com",
		Integrations: []string{"User.com", "UserEngage"},
		// UC-1: screen and alias are answered 501 by the platform.
		Accepts:    []segment.Type{segment.Identify, segment.Track, segment.Page, segment.Group},
		Doc:        "https://segment.com/docs/connections/destinations/catalog/user-com/",
		Behaviours: []emulators.Family{{Prefix: "UC", Count: 12}, {Prefix: "EN", Count: 1}},
	}
}

// Config is the vendor-side configuration an account can be created with
// (AccountSpec.Config): what an app admin sets up at app.user.com before
// Segment sends anything.
type Config = wire.UsercomConfig

// NewState builds an app from its Config; nil config is an empty app.
func (*Destination) NewState(config json.RawMessage) (*State, error) {
	st := newState()
	if len(config) == 0 || string(config) == "null" {
		return st, nil
	}
	var cfg Config
	if err := emulators.DecodeJSON(config, &cfg); err != nil {
		return nil, prefix("config", err)
	}
	for i, d := range cfg.TrustedDomains {
		if _, err := st.addDomain(d); err != nil {
			return nil, prefix(fieldIndex("config.trusted_domains", i), err)
		}
	}
	for i, a := range cfg.Attributes {
		if _, err := st.defineAttribute(a, OriginDefined, timeZero); err != nil {
			return nil, prefix(fieldIndex("config.attributes", i), err)
		}
	}
	return st, nil
}

// Provision returns an empty app for an auto-provisioned key (G-11): no
// trusted domains, so every domain is allowed, and no attribute
// definitions, so every custom trait is created as a string (UC-8).
func (*Destination) Provision(emulators.Settings) *State { return newState() }

// Reindex rebuilds the indexes of a state the platform decoded.
func (*Destination) Reindex(st *State) error { return st.reindex() }

// Handle applies one message to an app. The only refusal is an untrusted
// domain (UC-3), checked before anything changes; everything after it is
// applied, with values that cannot be stored ignored and logged (UC-9).
func (*Destination) Handle(r *emulators.Request, st *State) error {
	if err := st.checkDomain(r.Header, r.Message); err != nil {
		return err
	}
	u := st.user(r)
	switch r.Message.Type {
	case segment.Identify:
		st.identify(r, u)
	case segment.Track:
		st.track(r, u)
	case segment.Page:
		st.page(r, u)
	case segment.Group:
		st.group(r, u)
	}
	u.UpdatedAt = r.Now
	st.saveUser(u)
	r.Set("user", u.ID)
	return nil
}
