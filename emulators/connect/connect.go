// Package connect emulates Zendesk Connect (formerly Outbound) as a Segment
// partner destination: environments with their own keys, users keyed by
// userId or anonymousId with the attributes Connect messages on (first and
// last name, email, phone number, timezone, APNs and FCM push tokens), free
// attributes, aliasing of an anonymous user into an identified one, events
// per user, and the Settings > Events view (per event name, how many arrived
// in the last 24 hours and when the last one came).
//
// Behaviours CN-1..CN-11 and EN-1 of spec/behaviors.md. Vendor document:
// seeds/connect.txt, from
// https://segment.com/docs/connections/destinations/catalog/zendesk-connect/
package connect

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// Slug names the destination in URLs: the webhook is POST /connect.
const Slug = "connect"

// SettingPublicAPIKey is the optional Segment setting holding the
// environment's public key; the private key arrives as the Basic-auth user
// name, as for every destination.
const SettingPublicAPIKey = "publicApiKey"

// Destination is the Zendesk Connect destination. Its only state of its own
// is a cache of time zone names already found valid, shared by all
// accounts; everything vendor-side lives in each account's *State.
type Destination struct {
	zones *zoneChecker
	info  emulators.Info // built once: the platform reads it per request
}

// New returns the Connect emulator, ready to register with the server.
func New() *Destination { return &Destination{zones: newZoneChecker(), info: info()} }

var _ emulators.Destination[*State] = (*Destination)(nil)

// Info describes the destination. Group is not accepted (CN-1, a decision:
// Connect has no account or company object to put a group in), so the
// platform answers it 501.
func (c *Destination) Info() emulators.Info { return c.info }

func info() emulators.Info {
	return emulators.Info{
		Slug:         Slug,
		Name:         "Zendesk Connect",
		Integrations: []string{"Zendesk Connect", "Outbound", "Connect"},
		Accepts:      []segment.Type{segment.Identify, segment.Track, segment.Page, segment.Screen, segment.Alias},
		Settings: []emulators.Setting{{
			Name:        SettingPublicAPIKey,
			Kind:        emulators.SettingString,
			Description: "The environment's public API key (the private key is the API key Segment sends in Basic auth).",
		}},
		Doc:        "https://segment.com/docs/connections/destinations/catalog/zendesk-connect/",
		Behaviours: []emulators.Family{{Prefix: "CN", Count: 11}, {Prefix: "EN", Count: 1}},
	}
}

// Config is the vendor-side configuration of an environment created
// through the control plane: its name, its public key, and users that exist
// before the test starts. Every field is optional.
type Config struct {
	// Environment names the environment ("production", "development", or
	// any name); the account id stands in when it is empty.
	Environment string `json:"environment"`
	// PublicAPIKey is the environment's public key. When set, a request
	// whose publicApiKey setting differs is still accepted with a warning.
	PublicAPIKey string `json:"publicApiKey"`
	// Users are created as they are given, aliases included; tokens are
	// kept without duplicates and timezones must be IANA names.
	Users []Profile `json:"users"`
}

// NewState builds an environment from its Config (nil for an empty one).
// Seeded users follow the webhook's rules: ids unique and non-empty,
// timezones IANA names; anything else is a 400 naming the field.
func (c *Destination) NewState(config json.RawMessage) (*State, error) {
	s := newState("", "")
	if len(bytes.TrimSpace(config)) == 0 || string(bytes.TrimSpace(config)) == "null" {
		return s, nil
	}
	var cfg Config
	if err := emulators.DecodeJSON(config, &cfg); err != nil {
		return nil, err
	}
	s.Environment, s.PublicAPIKey = cfg.Environment, cfg.PublicAPIKey
	s.staged = make(map[string]*Profile, len(cfg.Users))
	for i, p := range cfg.Users {
		field := "config users[" + strconv.Itoa(i) + "]"
		switch {
		case p.ID == "":
			return nil, emulators.BadRequest("%s.id is required", field)
		case s.staged[p.ID] != nil:
			return nil, emulators.BadRequest("%s.id: user %q is given twice", field, p.ID)
		}
		if p.Timezone != "" {
			if reason := c.zones.check(p.Timezone); reason != "" {
				return nil, emulators.BadRequest("%s.timezone: %q %s", field, p.Timezone, reason)
			}
		}
		p.APNS, p.FCM = uniqueTokens(p.APNS), uniqueTokens(p.FCM)
		s.staged[p.ID] = &p
	}
	if err := s.rebuild(); err != nil {
		return nil, emulators.BadRequest("config: %s", err.Error())
	}
	return s, nil
}

// uniqueTokens drops empty and repeated tokens, keeping the first of each.
func uniqueTokens(tokens []string) []string {
	var out []string
	for _, t := range tokens {
		out = addToken(out, t)
	}
	return out
}

// Provision returns the state of an environment auto-provisioned for an
// unknown key (G-11): empty, with the public key the settings name.
func (c *Destination) Provision(st emulators.Settings) *State {
	return newState("", st.String(SettingPublicAPIKey))
}

// Reindex rebuilds the indexes of a state the platform decoded (aliases,
// the events view).
func (c *Destination) Reindex(s *State) error { return s.rebuild() }

// Handle applies one message to an environment (CN-1..CN-9, EN-1). Nothing
// in a valid message makes Connect refuse it: what it cannot store (a bad
// timezone, a token without a device type) is left out and the request log
// says why.
func (c *Destination) Handle(r *emulators.Request, s *State) error {
	m := r.Message
	if want, got := s.PublicAPIKey, r.Settings.String(SettingPublicAPIKey); want != "" && got != "" && got != want {
		// (decision) The private key authenticates server-side calls; a
		// mismatching public key is worth a warning, not a refusal.
		r.Warn("setting publicApiKey does not match this environment's public key")
	}
	switch m.Type {
	case segment.Identify:
		c.identify(r, s)
	case segment.Track:
		s.track(r, "track", m.Event)
	case segment.Page:
		s.track(r, "page", prefixed("[Segment Page]", m.Name))
	case segment.Screen:
		s.track(r, "screen", prefixed("[Segment Screen]", m.Name))
	case segment.Alias:
		s.alias(r, m.PreviousID, m.UserID)
	default:
		return emulators.Errorf(http.StatusNotImplemented, "Zendesk Connect does not accept %s calls", m.Type)
	}
	return nil
}

// prefixed names a page or screen event: "[Segment Page] Pricing", or just
// the prefix when the call has no name (CN-1).
func prefixed(prefix, name string) string {
	if name == "" {
		return prefix
	}
	return prefix + " " + name
}
