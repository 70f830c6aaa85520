package startdeliver

import (
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// handler applies one message to one account. Every check that can refuse
// the message runs before the first change (validate, then mutate).
type handler struct {
	v2 bool
	r  *emulators.Request
	a  *State
}

// matchField returns the user custom field the settings match on: it must
// exist (SD-3) and, for v2, be text or number (S2-3).
func (h *handler) matchField() (CustomField, error) {
	alias := h.r.Settings.String(SettingMatchField)
	f, ok := h.a.field(EntityUser, alias)
	if !ok {
		return f, emulators.BadRequest("setting %s: %q is not a user custom field in this Startdeliver account", SettingMatchField, alias)
	}
	if h.v2 && f.Type != TypeText && f.Type != TypeNumber {
		return f, emulators.BadRequest("setting %s: user custom field %q is of type %s; it has to be of type text or number", SettingMatchField, alias, f.Type)
	}
	return f, nil
}

// matchValue returns the value page, screen and track match on: the userId,
// or for v2 the value at segmentOverrideMatchingField (S2-4), falling back
// to the userId only when allowUserIdFallback is set (S2-5). why says what
// is missing when there is no value.
func (h *handler) matchValue() (v any, why string, err error) {
	m := h.r.Message
	if h.v2 {
		if p := h.r.Settings.String(SettingOverride); p != "" {
			path, perr := segment.ParsePath(p)
			if perr != nil {
				return nil, "", emulators.BadRequest("setting %s: %s", SettingOverride, perr)
			}
			if v, ok := m.Lookup(path); ok {
				return v, "", nil
			}
			if !h.r.Settings.Bool(SettingFallback) {
				return nil, "the override path " + p + " is not in the message and " + SettingFallback + " is false", nil
			}
			if m.UserID == "" {
				return nil, "the override path " + p + " is not in the message and there is no userId to fall back to", nil
			}
			h.r.Warn("the override path %s is not in the message; matched on userId instead (%s)", p, SettingFallback)
			return m.UserID, "", nil
		}
	}
	if m.UserID == "" {
		return nil, "the message has no userId to match a Startdeliver user on", nil
	}
	return m.UserID, "", nil
}

// usage stores a page, screen or track call as a usage event of the
// matched user, creating the user when none matches (SD-4..SD-8, S2-2).
func (h *handler) usage() error {
	f, err := h.matchField()
	if err != nil {
		return err
	}
	value, why, err := h.matchValue()
	if err != nil {
		return err
	}
	var email string
	if h.r.Settings.Bool(SettingSyncEmail) {
		email = h.r.Message.Email() // root, traits, context.traits (SD-7)
	}
	var id int64
	var found bool
	switch {
	case email != "":
		if id, found = h.a.findUser(emailField, emailKey(email)); !found {
			id = h.createUser(f, value, email)
		}
	case why != "":
		h.r.Ignore("%s; the event was not stored", why)
		return nil
	default:
		// The value is converted to the field's type first, so "42" and 42
		// match the same number field; a value that does not convert
		// cannot match anything (decision: ignored, as S2-5 does).
		stored, ok := convert(f.Type, value)
		if !ok {
			h.r.Ignore("%s %s cannot be a value of %s custom field %q; the event was not stored", h.source(), describe(value), f.Type, f.Alias)
			return nil
		}
		if id, found = h.a.findUser(f.Alias, valueKey(stored)); !found {
			id = h.createUser(f, value, "")
		}
	}
	h.attach(id)
	return nil
}

// source names where the match value came from, for the request log.
func (h *handler) source() string {
	if p := h.r.Settings.String(SettingOverride); h.v2 && p != "" {
		return p
	}
	return "userId"
}

// createUser creates the user an unmatched event needs: the custom field
// holds the match value (SD-5); a user matched by email gets the email, and
// the custom field too when there is a value for it (SD-8). It returns
// the new user's id.
func (h *handler) createUser(f CustomField, value any, email string) int64 {
	u := h.a.newUser(h.r.Now)
	if value != nil {
		if stored, ok := convert(f.Type, value); ok {
			h.a.setUserField(u, f.Alias, stored)
		} else {
			h.r.Warn("%s %s cannot be a value of %s custom field %q; not stored on the new user", h.source(), describe(value), f.Type, f.Alias)
		}
	}
	if email != "" {
		h.a.setUserField(u, emailField, email)
		h.r.Did("created user %d with email %s", u.ID, email)
	} else {
		h.r.Did("created user %d with %s=%s", u.ID, f.Alias, describe(value))
	}
	h.a.Users.save(u)
	h.r.Set("createdUser", true)
	return u.ID
}

// attach stores the message as a usage event of user id and of its
// customer (SD-6), reading nothing of the user but its slot. Screen is
// stored as a page event, as the v2 seed says (S2-2).
func (h *handler) attach(id int64) {
	m := h.r.Message
	customer := h.a.Users.customerOf(id)
	ev := &UsageEvent{Type: "track", SegmentType: m.TypeName, Name: m.Event, Timestamp: m.Timestamp,
		Received: h.r.Now, UserID: id, CustomerID: customer, MessageID: m.MessageID}
	if m.Type != segment.Track {
		ev.Type, ev.Name = "page", m.Name
	}
	ev.Properties = m.Properties // {} when absent
	h.a.addEvent(ev)
	if customer != 0 {
		h.r.Did("stored %s event %q as usage event %d of user %d and customer %d", ev.Type, ev.Name, ev.ID, id, customer)
		h.r.Set("customerId", customer)
	} else {
		h.r.Did("stored %s event %q as usage event %d of user %d", ev.Type, ev.Name, ev.ID, id)
	}
	h.r.Set("userId", id)
	h.r.Set("usageEventId", ev.ID)
}
