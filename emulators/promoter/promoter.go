// Package promoter emulates Promoter.io's Segment destination: identify
// creates or updates a contact keyed by userId, track is stored as a custom
// event and, when its name is the trigger event of an activated Segment
// campaign, schedules an NPS survey for the identified contact, subject to
// the campaign's delivery delay, throttle and reminder, the account-wide
// 24-hour rule and the daily limit of 50,000 Segment requests.
//
// Vendor documents: the Segment campaign set-up guide
// (https://help.promoter.io/docs/segment, ../../../shared/seeds/promoter.txt),
// Segment's catalog page
// (https://segment.com/docs/connections/destinations/catalog/promoter-io/)
// and the survey throttle article
// (https://help.promoter.io/en/articles/5702435-survey-throttle).
// Behaviours PR-1..PR-13 and EN-1 of spec/behaviors.md.
//
// Everything time-based (delivery, reminders, throttles, the daily counter)
// is derived from the namespace clock when it is read, so advancing the
// clock by seven days delivers a survey delayed by seven days without any
// other request.
package promoter

import (
	"encoding/json"
	"net/http"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// Slug is the destination's name in URLs: the webhook is POST /promoter.
const Slug = "promoter"

// DefaultDailyLimit is the number of Segment requests Promoter processes per
// UTC day for one account (seed: "The Segment integration will only process
// 50,000 Segment requests per day").
const DefaultDailyLimit = 50000

// Destination is the Promoter destination. It holds no state of its own:
// every account's state is a *State owned by the platform and passed to
// Handle.
type Destination struct{}

// New returns the Promoter destination for server.DefaultEmulators.
func New() *Destination { return &Destination{} }

var _ emulators.Destination[*State] = (*Destination)(nil)

// Info describes Promoter: identify and track only (PR-1), no settings
// besides the API key, which the platform reads from Basic auth.
func (*Destination) Info() emulators.Info {
	return emulators.Info{
		Slug:         Slug,
		Name:         "Promoter.io",
		Integrations: []string{"Promoter.io"},
		Accepts:      []segment.Type{segment.Identify, segment.Track},
		Doc:          "https://help.promoter.io/docs/segment",
	}
}

// NewState builds the state of an account created through the control
// plane from its config: {"dailyLimit": N, "contactLists": [...],
// "campaigns": [...]}. A nil config is an empty account with the default
// limit.
func (*Destination) NewState(config json.RawMessage) (*State, error) {
	s := newState()
	if len(config) == 0 || string(config) == "null" {
		return s, nil
	}
	var cfg Config
	if err := emulators.DecodeJSON(config, &cfg); err != nil {
		return nil, err
	}
	if err := s.apply(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Provision returns the state of an account auto-provisioned for an unknown
// key (G-11). Promoter has no setting that names vendor-side configuration,
// so the account starts empty: contacts and custom events are stored, and
// surveys start once a campaign is created through the control plane.
func (*Destination) Provision(emulators.Settings) *State { return newState() }

// Reindex rebuilds the indexes of a state the platform decoded.
func (*Destination) Reindex(s *State) error { return s.reindex() }

// Handle applies one identify or track. Every request that reaches it counts
// against the account's daily limit first (PR-13); past the limit it is
// answered 429 and changes nothing.
func (*Destination) Handle(r *emulators.Request, s *State) error {
	if err := s.admitLocked(r.Now); err != nil {
		return err
	}
	switch r.Message.Type {
	case segment.Identify:
		return s.identifyLocked(r)
	case segment.Track:
		s.trackLocked(r)
		return nil
	}
	// The platform answers 501 before Handle for other types (PR-1); this
	// guards against a change there.
	return emulators.Errorf(http.StatusNotImplemented, "Promoter does not accept %s calls", r.Message.Type)
}
