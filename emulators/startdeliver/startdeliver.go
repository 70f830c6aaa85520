// Package startdeliver emulates the two Segment destinations Startdeliver
// maintains: Startdeliver (classic, slug "startdeliver") and Startdeliver-v2
// (slug "startdeliver-v2"). Both share one model of a Startdeliver account:
// user and customer custom fields, users, customers and usage events; v2 adds
// the "Segment app configuration" kept inside Startdeliver, which turns
// identify and group calls into user and customer updates and which
// Startdeliver caches for 10 minutes.
//
// Sources: the vendor documents seeds/startdeliver.txt
// (https://segment.com/docs/connections/destinations/catalog/startdeliver/)
// and seeds/startdeliver-v2.txt
// (https://segment.com/docs/connections/destinations/catalog/startdeliver-v2/)
// in the project's shared folder; behaviours SD-1..SD-8, S2-1..S2-11 and
// EN-1 of spec/behaviors.md. docs/startdeliver.md lists the decisions made
// where they are silent.
package startdeliver

import (
	"encoding/json"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// Setting names, as Segment's catalog spells them.
const (
	// SettingMatchField names the user custom field (its alias) whose value
	// is compared with the event's userId (SD-4).
	SettingMatchField = "startdeliverUserCustomFieldToMatchOn"
	// SettingSyncEmail switches the match to the user's email (SD-7).
	SettingSyncEmail = "syncUsingEmailInsteadOfCustomField"
	// SettingOverride is the v2 path whose value replaces the userId for
	// page, screen and track (S2-4).
	SettingOverride = "segmentOverrideMatchingField"
	// SettingFallback lets v2 fall back to the userId when the override
	// path is missing (S2-5).
	SettingFallback = "allowUserIdFallback"
)

// Destination is one of the two Startdeliver destinations. The classic and
// the v2 destination share every piece of the model; v2 only accepts more
// call types, reads two more settings and has the Segment app
// configuration.
type Destination struct {
	v2   bool
	info emulators.Info
}

// New returns the classic Startdeliver destination (slug "startdeliver").
func New() *Destination {
	return &Destination{info: emulators.Info{
		Slug:         "startdeliver",
		Name:         "Startdeliver",
		Integrations: []string{"Startdeliver"},
		// SD-1: page and track only.
		Accepts:      []segment.Type{segment.Track, segment.Page},
		Settings:     commonSettings(),
		RequireAdmin: true, // SD-2
		Doc:          "https://segment.com/docs/connections/destinations/catalog/startdeliver/",
		Behaviours:   []emulators.Family{{Prefix: "SD", Count: 8}},
	}}
}

// NewV2 returns the Startdeliver-v2 destination (slug "startdeliver-v2").
func NewV2() *Destination {
	settings := append(commonSettings(),
		emulators.Setting{Name: SettingOverride, Kind: emulators.SettingString,
			Description: "A path in the message whose value is matched instead of userId for page, screen and track, e.g. properties.myCustomField or properties['Field With Space']."},
		emulators.Setting{Name: SettingFallback, Kind: emulators.SettingBool, Default: false,
			Description: "Match on userId when the override path is missing from an event."},
	)
	return &Destination{v2: true, info: emulators.Info{
		Slug:         "startdeliver-v2",
		Name:         "Startdeliver-v2",
		Integrations: []string{"Startdeliver-v2"},
		// S2-1: everything but alias.
		Accepts:      []segment.Type{segment.Identify, segment.Track, segment.Page, segment.Screen, segment.Group},
		Settings:     settings,
		RequireAdmin: true, // SD-2 holds for v2 too: the seed asks for an Admin key
		Doc:          "https://segment.com/docs/connections/destinations/catalog/startdeliver-v2/",
		Behaviours:   []emulators.Family{{Prefix: "S2", Count: 11}, {Prefix: "EN", Count: 1}},
	}}
}

func commonSettings() []emulators.Setting {
	return []emulators.Setting{
		{Name: SettingMatchField, Kind: emulators.SettingString, Required: true,
			Description: "The alias of the Startdeliver user custom field a Segment event is matched on."},
		{Name: SettingSyncEmail, Kind: emulators.SettingBool, Default: false,
			Description: "Match on the user's email instead; the custom field is the fallback when a message carries no email."},
	}
}

// Info describes the destination.
func (d *Destination) Info() emulators.Info { return d.info }

var _ emulators.Destination[*State] = (*Destination)(nil)

// NewState builds an account from its creation config (see Config); nil
// gives an empty account whose rules apply in full (G-11: nothing implicit).
func (d *Destination) NewState(config json.RawMessage) (*State, error) {
	a := newState()
	if config == nil {
		return a, nil
	}
	var cfg Config
	if err := emulators.DecodeJSON(config, &cfg); err != nil {
		return nil, err
	}
	if err := a.apply(cfg, d.v2); err != nil {
		return nil, err
	}
	return a, nil
}

// Provision returns the account made for an unknown key (G-11): it holds
// the user custom field the settings name, as text, so the first event
// matches or creates a user at once.
func (d *Destination) Provision(s emulators.Settings) *State {
	a := newState()
	if alias := s.String(SettingMatchField); alias != "" && !isStandard(EntityUser, alias) {
		a.Fields = append(a.Fields, CustomField{Alias: alias, Type: TypeText, Entity: EntityUser})
		a.reindex()
	}
	return a
}

// Reindex checks a state the platform decoded and rebuilds the indexes,
// which are not part of it.
func (d *Destination) Reindex(a *State) error {
	if err := a.load(); err != nil {
		return err
	}
	a.reindex()
	return nil
}

// Handle applies one message.
func (d *Destination) Handle(r *emulators.Request, a *State) error {
	h := handler{v2: d.v2, r: r, a: a}
	switch r.Message.Type {
	case segment.Identify:
		return h.identify()
	case segment.Group:
		return h.group()
	default:
		return h.usage()
	}
}
