package startdeliver

import (
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// lookup reads a path of the configuration from the message.
func (h *handler) lookup(name, path string) (any, bool, error) {
	p, err := segment.ParsePath(path)
	if err != nil {
		return nil, false, emulators.BadRequest("Segment app configuration %s: %s", name, err)
	}
	v, ok := h.r.Message.Lookup(p)
	return v, ok, nil
}

// target resolves a configured match field against the account's fields
// as they are now: a field deleted since the configuration was cached is
// a 400 naming it.
func (h *handler) target(e Entity, name string, t *TargetField) error {
	if t == nil {
		return emulators.BadRequest("Segment app configuration: %s is not set", name)
	}
	if err := h.a.checkMatchTarget(e, name, *t); err != nil {
		return emulators.BadRequest("Segment app configuration %s", err.Error())
	}
	return nil
}

// config returns the configuration the message sees (S2-11); when it does
// not enable the message's call type, the message is ignored (S2-6) and on
// is false.
func (h *handler) config(enabled func(AppConfig) bool) (cfg AppConfig, fresh *AppCache, on bool) {
	cfg, fresh = h.a.appConfig(h.r.Now)
	if !enabled(cfg) {
		h.commit(fresh)
		h.r.Ignore("%s parsing is not enabled in the account's Segment app configuration", h.r.Message.TypeName)
		return cfg, nil, false
	}
	return cfg, fresh, true
}

// plan is the change an identify or group makes, worked out before any of
// it is applied.
type plan struct {
	user      *User // nil: create one with userKey
	userKey   any   // the converted match value
	userField string
	linkUser  bool // false: group found no user to link
	customer  *Customer
	custKey   any
	custField string
	hasCust   bool // a customer is matched or created
}

// identify updates or creates the user matched through the configuration,
// and its customer when the configuration names one (S2-6..S2-8, EN-1).
func (h *handler) identify() error {
	if _, err := h.matchField(); err != nil {
		return err
	}
	cfg, fresh, on := h.config(func(c AppConfig) bool { return c.IdentifyEnabled })
	if !on {
		return nil
	}
	var p plan
	if err := h.target(EntityUser, "startdeliverMatchingField", cfg.StartdeliverMatchingField); err != nil {
		return err
	}
	if cfg.ExternalMatchingField == nil {
		return emulators.BadRequest("Segment app configuration: externalMatchingField is not set")
	}
	v, ok, err := h.lookup("externalMatchingField", cfg.ExternalMatchingField.Field)
	if err != nil {
		return err
	}
	if !ok {
		h.commit(fresh)
		h.r.Ignore("externalMatchingField %s is not in the message; no user to match", cfg.ExternalMatchingField.Field)
		return nil
	}
	t := cfg.StartdeliverMatchingField
	if p.userKey, ok = convert(t.Type, v); !ok {
		h.commit(fresh)
		h.r.Ignore("%s %s cannot be a %s value of %s; no user to match", cfg.ExternalMatchingField.Field, describe(v), t.Type, t.Field)
		return nil
	}
	p.userField, p.linkUser = t.Field, true
	p.user = h.a.userBy(t.Field, h.indexKey(t.Field, p.userKey))
	if cfg.StartdeliverCustomerField != nil && cfg.ExternalCustomerField != nil {
		why, err := h.planCustomer(&p, cfg, "")
		if err != nil {
			return err
		}
		if why != "" {
			h.r.Warn("%s", why)
		}
	}
	h.commit(fresh)
	h.apply(p, cfg)
	return nil
}

// group updates or creates the customer matched through the configuration
// and links the message's user to it when one matches (S2-9).
func (h *handler) group() error {
	userField, err := h.matchField()
	if err != nil {
		return err
	}
	cfg, fresh, on := h.config(func(c AppConfig) bool { return c.GroupEnabled })
	if !on {
		return nil
	}
	var p plan
	why, err := h.planCustomer(&p, cfg, h.r.Message.GroupID)
	if err != nil {
		return err
	}
	if why != "" {
		h.commit(fresh)
		h.r.Ignore("%s", why)
		return nil
	}
	if err := h.planGroupUser(&p, cfg, userField); err != nil {
		return err
	}
	h.commit(fresh)
	h.apply(p, cfg)
	return nil
}

// planGroupUser finds the user a group call links: through the identify
// matching fields when they are configured, else through the settings'
// custom field and the userId, as page and track do (decision). Group
// never creates a user.
func (h *handler) planGroupUser(p *plan, cfg AppConfig, f CustomField) error {
	field, typ, path := f.Alias, f.Type, "userId"
	if t, src := cfg.StartdeliverMatchingField, cfg.ExternalMatchingField; t != nil && src != nil {
		if err := h.target(EntityUser, "startdeliverMatchingField", t); err != nil {
			return err
		}
		field, typ, path = t.Field, t.Type, src.Field
	}
	v, ok, err := h.lookup("externalMatchingField", path)
	if err != nil {
		return err
	}
	if !ok {
		h.r.Warn("the message has no %s to match a user on; the customer was not linked to a user", path)
		return nil
	}
	if k, ok := convert(typ, v); ok {
		p.user = h.a.userBy(field, h.indexKey(field, k))
	}
	if p.user == nil {
		h.r.Warn("no user has %s=%s; the customer was not linked to a user", field, describe(v))
		return nil
	}
	p.linkUser = true
	return nil
}

// planCustomer finds or prepares the customer: its configured field matched
// against the value at externalCustomerField; group passes its groupId,
// used when that path is absent from the configuration or the message
// (decision). Without a value identify leaves customers alone. why says
// why no customer could be matched.
func (h *handler) planCustomer(p *plan, cfg AppConfig, groupID string) (why string, err error) {
	t := cfg.StartdeliverCustomerField
	if err := h.target(EntityCustomer, "startdeliverCustomerField", t); err != nil {
		return "", err
	}
	var v any
	found := false
	path := "groupId"
	if src := cfg.ExternalCustomerField; src != nil {
		if v, found, err = h.lookup("externalCustomerField", src.Field); err != nil {
			return "", err
		}
		path = src.Field
	}
	if !found && groupID != "" {
		v, found, path = groupID, true, "groupId"
	}
	if !found {
		return "", nil
	}
	k, ok := convert(t.Type, v)
	if !ok {
		return path + " " + describe(v) + " cannot be a " + string(t.Type) + " value of customer field " + t.Field + "; no customer matched", nil
	}
	p.hasCust, p.custKey, p.custField = true, k, t.Field
	p.customer = h.a.customerBy(t.Field, valueKey(k))
	return "", nil
}

// indexKey is the index key of a match value: emails fold their case.
func (h *handler) indexKey(field string, v any) string {
	if field == emailField {
		return emailKey(valueKey(v))
	}
	return valueKey(v)
}

// commit stores the configuration copy the message read (S2-11).
func (h *handler) commit(fresh *AppCache) {
	if fresh != nil {
		h.a.Cache = fresh
	}
}

// apply carries out a plan: create or update the user and the customer,
// copy the mappings, link them.
func (h *handler) apply(p plan, cfg AppConfig) {
	now := h.r.Now
	if p.hasCust {
		c := p.customer
		if c == nil {
			c = h.a.newCustomer(now)
			h.a.setCustomerField(c, p.custField, p.custKey)
			h.r.Did("created customer %d with %s=%s", c.ID, p.custField, describe(p.custKey))
		} else {
			h.r.Did("updated customer %d", c.ID)
		}
		for _, m := range cfg.CustomerMapping {
			if v, ok := h.mapped(m, EntityCustomer); ok {
				h.a.setCustomerField(c, m.Field, v)
			}
		}
		c.Updated = now
		h.a.Customers.save(c)
		p.customer = c
		h.r.Set("customerId", c.ID)
	}
	if !p.linkUser {
		return
	}
	u := p.user
	if h.r.Message.Type == segment.Identify {
		if u == nil {
			u = h.a.newUser(now)
			h.a.setUserField(u, p.userField, p.userKey)
			h.r.Did("created user %d with %s=%s", u.ID, p.userField, describe(p.userKey))
			h.r.Set("createdUser", true)
		} else {
			h.r.Did("updated user %d", u.ID)
		}
		for _, m := range cfg.UserMapping {
			if v, ok := h.mapped(m, EntityUser); ok {
				h.a.setUserField(u, m.Field, v)
			}
		}
	}
	if p.customer != nil && u.CustomerID != p.customer.ID {
		u.CustomerID = p.customer.ID
		h.r.Did("linked user %d to customer %d", u.ID, p.customer.ID)
	}
	u.Updated = now
	h.a.Users.save(u)
	h.r.Set("userId", u.ID)
}

// mapped reads and converts one mapping's value (S2-10). A missing value
// leaves the field alone; one that does not convert too, and the request
// log says so. A field deleted since the configuration was read is
// skipped with a warning.
func (h *handler) mapped(m Mapping, e Entity) (any, bool) {
	v, ok, err := h.lookup(string(e)+"Mapping.externalField", m.ExternalField)
	if err != nil || !ok {
		return nil, false
	}
	if !isStandard(e, m.Field) {
		if f, ok := h.a.field(e, m.Field); !ok || f.Type != m.Type {
			h.r.Warn("%s field %q is no longer a %s custom field; %s not copied", e, m.Field, m.Type, m.ExternalField)
			return nil, false
		}
	}
	out, ok := convert(m.Type, v)
	if !ok {
		h.r.Warn("%s %s is not a %s value; %s field %q left unchanged", m.ExternalField, describe(v), m.Type, e, m.Field)
		return nil, false
	}
	return out, true
}
