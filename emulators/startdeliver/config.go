package startdeliver

import (
	"fmt"
	"sort"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/wire"
)

// Config is an account's creation config (the control plane's "config"
// object): what exists in Startdeliver before the first event arrives.
// Customers get ids 1, 2, ... in the order given, so users can name theirs.
type Config = wire.StartdeliverConfig

// UserSpec creates a user through the config or the control plane.
type UserSpec = wire.StartdeliverUserSpec

// CustomerSpec creates a customer through the config or the control plane.
type CustomerSpec = wire.StartdeliverCustomerSpec

// cacheTTL is how long Startdeliver keeps the Segment app configuration it
// read: "The configuration is cached for 10 minutes" (startdeliver-v2.txt,
// S2-11).
const cacheTTL = 10 * time.Minute

// AppConfig is the v2 "Segment app configuration in your Startdeliver
// account" (startdeliver-v2.txt): whether identify and group calls are
// parsed, and the matching and mapping object.
type AppConfig = wire.StartdeliverSegmentApp

// TargetField names a Startdeliver field and the type values are converted
// to before they are matched or stored.
type TargetField = wire.StartdeliverTarget

// SourceField is a path in the Segment message (the S2-4 path language).
type SourceField = wire.StartdeliverSource

// Mapping copies the value at ExternalField in the message into Field,
// converted to Type (S2-7, S2-10).
type Mapping = wire.StartdeliverMapping

// AppCache is the copy of the configuration events use, and when it was
// read; it is stale once cacheTTL has passed on the emulator clock.
type AppCache struct {
	ReadAt time.Time `json:"readAt"`
	Config AppConfig `json:"configuration"`
}

// appConfig returns the configuration an identify or group at now sees:
// the cached copy while it is fresh, else the account's current one. fresh
// is the cache entry to store when the message is applied (nil when the
// cached copy was used); it is kept apart so that a refused message
// changes nothing.
func (a *State) appConfig(now time.Time) (cfg AppConfig, fresh *AppCache) {
	if a.Cache != nil && now.Sub(a.Cache.ReadAt) < cacheTTL {
		return a.Cache.Config, nil
	}
	if a.App != nil {
		cfg = *a.App
	}
	return cfg, &AppCache{ReadAt: now, Config: cfg}
}

// validateApp checks a configuration against the account's fields, so a
// mistake shows when it is written rather than on the next identify
// (decision). The message names the field at fault.
func validateApp(c *AppConfig, a *State) error {
	if c.IdentifyEnabled && (c.StartdeliverMatchingField == nil || c.ExternalMatchingField == nil) {
		return emulators.BadRequest("identifyEnabled needs startdeliverMatchingField and externalMatchingField")
	}
	if c.GroupEnabled && c.StartdeliverCustomerField == nil {
		return emulators.BadRequest("groupEnabled needs startdeliverCustomerField")
	}
	if c.StartdeliverMatchingField != nil {
		if err := a.checkMatchTarget(EntityUser, "startdeliverMatchingField", *c.StartdeliverMatchingField); err != nil {
			return err
		}
	}
	if c.StartdeliverCustomerField != nil {
		if err := a.checkMatchTarget(EntityCustomer, "startdeliverCustomerField", *c.StartdeliverCustomerField); err != nil {
			return err
		}
	}
	for name, src := range map[string]*SourceField{"externalMatchingField": c.ExternalMatchingField, "externalCustomerField": c.ExternalCustomerField} {
		if src == nil {
			continue
		}
		if _, err := segment.ParsePath(src.Field); err != nil {
			return emulators.BadRequest("%s.field: %s", name, err)
		}
	}
	for _, m := range []struct {
		name string
		e    Entity
		list []Mapping
	}{{"userMapping", EntityUser, c.UserMapping}, {"customerMapping", EntityCustomer, c.CustomerMapping}} {
		for i, mp := range m.list {
			if err := a.checkMapping(m.e, fmt.Sprintf("%s[%d]", m.name, i), mp); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkMatchTarget: a field matched on must be a text or number custom
// field of the entity (S2-3); users may also be matched on email.
func (a *State) checkMatchTarget(e Entity, name string, t TargetField) error {
	if e == EntityUser && t.Field == emailField {
		if t.Type != TypeText {
			return emulators.BadRequest("%s.type must be text for email", name)
		}
		return nil
	}
	f, ok := a.field(e, t.Field)
	if !ok {
		return emulators.BadRequest("%s.field %q is not a %s custom field", name, t.Field, e)
	}
	if f.Type != TypeText && f.Type != TypeNumber {
		return emulators.BadRequest("%s.field %q is a %s field; matching needs text or number", name, t.Field, f.Type)
	}
	if t.Type != f.Type {
		return emulators.BadRequest("%s.type %q does not match the type of %s custom field %q (%s)", name, t.Type, e, t.Field, f.Type)
	}
	return nil
}

// checkMapping: a mapping writes a standard field (as text) or an existing
// custom field of its own type, from a well-formed path.
func (a *State) checkMapping(e Entity, name string, m Mapping) error {
	if _, err := segment.ParsePath(m.ExternalField); err != nil {
		return emulators.BadRequest("%s.externalField: %s", name, err)
	}
	if !validType(m.Type) {
		return emulators.BadRequest("%s.type %q is not one of text, number, date, boolean", name, m.Type)
	}
	if isStandard(e, m.Field) {
		if m.Type != TypeText {
			return emulators.BadRequest("%s.type: %s field %q is text", name, e, m.Field)
		}
		return nil
	}
	f, ok := a.field(e, m.Field)
	if !ok {
		return emulators.BadRequest("%s.field %q is neither a standard %s field (%v) nor a %s custom field", name, m.Field, e, standardFields[e], e)
	}
	if f.Type != m.Type {
		return emulators.BadRequest("%s.type %q does not match the type of %s custom field %q (%s)", name, m.Type, e, m.Field, f.Type)
	}
	return nil
}

// apply fills an empty account from its creation config, checking every
// reference; an error names the config field at fault.
func (a *State) apply(cfg Config, v2 bool) error {
	for i, f := range cfg.CustomFields {
		if err := a.addField(f); err != nil {
			return emulators.Errorf(err.(*emulators.Error).Status, "customFields[%d]: %s", i, err.Error())
		}
	}
	var epoch time.Time // seeded records predate the emulator clock
	for i, spec := range cfg.Customers {
		if _, err := a.createCustomer(spec, epoch); err != nil {
			return emulators.BadRequest("customers[%d].%s", i, err.Error())
		}
	}
	for i, spec := range cfg.Users {
		if _, err := a.createUser(spec, epoch); err != nil {
			return emulators.BadRequest("users[%d].%s", i, err.Error())
		}
	}
	if cfg.SegmentApp != nil {
		if !v2 {
			return emulators.BadRequest("segmentApp: only Startdeliver-v2 has a Segment app configuration")
		}
		if err := validateApp(cfg.SegmentApp, a); err != nil {
			return emulators.BadRequest("segmentApp.%s", err.Error())
		}
		a.App = cfg.SegmentApp
	}
	return nil
}

// addField defines a custom field: 400 for a bad alias, entity or type,
// 409 when the entity already has that alias.
func (a *State) addField(f CustomField) error {
	switch {
	case f.Alias == "":
		return emulators.BadRequest("alias is required")
	case f.Entity != EntityUser && f.Entity != EntityCustomer:
		return emulators.BadRequest("entity %q is not user or customer", f.Entity)
	case !validType(f.Type):
		return emulators.BadRequest("type %q is not one of text, number, date, boolean", f.Type)
	case isStandard(f.Entity, f.Alias):
		return emulators.BadRequest("alias %q is a standard %s field", f.Alias, f.Entity)
	}
	if _, dup := a.field(f.Entity, f.Alias); dup {
		return emulators.Conflict("%s custom field %q already exists", f.Entity, f.Alias)
	}
	a.Fields = append(a.Fields, f)
	x := newValueIndex(0)
	a.index(f.Entity)[f.Alias] = x
	// Records may already hold values for the alias (a state loaded from a
	// hand-written snapshot): index them, so a match never misses one.
	if f.Entity == EntityUser {
		for id := int64(1); id <= int64(a.Users.Len()); id++ {
			indexValues(x, f.Alias, a.Users.get(id).CustomFields, id)
		}
	} else {
		for id := int64(1); id <= int64(a.Customers.Len()); id++ {
			indexValues(x, f.Alias, a.Customers.get(id).CustomFields, id)
		}
	}
	return nil
}

// indexValues adds a record's value for alias, if it has one, to x.
func indexValues(x *valueIndex, alias string, values FieldValues, id int64) {
	for _, v := range values {
		if v.Alias == alias {
			x.add(valueKey(v.Value), id)
		}
	}
}

// convertValues converts the custom field values of a create call to their
// stored form; the error starts with the field's JSON name.
func (a *State) convertValues(e Entity, values map[string]any) (FieldValues, error) {
	aliases := make([]string, 0, len(values))
	for k := range values {
		aliases = append(aliases, k)
	}
	sort.Strings(aliases)
	out := make(FieldValues, 0, len(values))
	for _, alias := range aliases {
		f, ok := a.field(e, alias)
		if !ok {
			return nil, fmt.Errorf("customFields.%s: no %s custom field has that alias", alias, e)
		}
		v, ok := convert(f.Type, values[alias])
		if !ok {
			return nil, fmt.Errorf("customFields.%s: %s is not a %s value", alias, describe(values[alias]), f.Type)
		}
		out = append(out, FieldValue{Alias: alias, Value: v})
	}
	return out, nil
}

// createUser adds a user from a spec; nothing changes on error.
func (a *State) createUser(spec UserSpec, now time.Time) (*User, error) {
	values, err := a.convertValues(EntityUser, spec.CustomFields)
	if err != nil {
		return nil, err
	}
	if spec.CustomerID != 0 && a.customer(spec.CustomerID) == nil {
		return nil, fmt.Errorf("customerId: customer %d does not exist", spec.CustomerID)
	}
	u := a.newUser(now)
	u.Name, u.Phone, u.Title, u.CustomerID = spec.Name, spec.Phone, spec.Title, spec.CustomerID
	a.setUserField(u, emailField, spec.Email)
	for _, v := range values {
		a.setUserField(u, v.Alias, v.Value)
	}
	a.Users.save(u)
	return u, nil
}

// createCustomer adds a customer from a spec; nothing changes on error.
func (a *State) createCustomer(spec CustomerSpec, now time.Time) (*Customer, error) {
	values, err := a.convertValues(EntityCustomer, spec.CustomFields)
	if err != nil {
		return nil, err
	}
	c := a.newCustomer(now)
	c.Name = spec.Name
	for _, v := range values {
		a.setCustomerField(c, v.Alias, v.Value)
	}
	a.Customers.save(c)
	return c, nil
}
