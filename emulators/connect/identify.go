package connect

import (
	"slices"
	"strconv"
	"strings"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// The traits that fill Connect's top-level attributes (seed, Identify);
// every other trait is a free attribute (CN-7).
const (
	traitNone = iota
	traitName
	traitFirstName
	traitLastName
	traitEmail
	traitPhone
	traitTimezone
	traitCount
)

// canonicalTrait is the Spec spelling of each standard trait: it wins over
// another spelling of the same trait in one message (G-9).
var canonicalTrait = [traitCount]string{"", "name", "firstName", "lastName", "email", "phone", "timezone"}

// standardTrait says which standard trait a key names, in any casing and
// with any separators (G-9).
func standardTrait(key string) int {
	if len(key) > 24 {
		return traitNone // longer than any spelling of one, skip folding
	}
	switch segment.NormalizeKey(key) {
	case "name":
		return traitName
	case "firstname":
		return traitFirstName
	case "lastname":
		return traitLastName
	case "email":
		return traitEmail
	case "phone":
		return traitPhone
	case "timezone":
		return traitTimezone
	}
	return traitNone
}

// traitValue is one standard trait found in a message.
type traitValue struct {
	key string
	v   any
	ok  bool
}

// pick keeps the spelling Get would choose when a message holds the same
// trait twice: the canonical one, else the smallest key.
func (t *traitValue) pick(std int, key string, v any) {
	if t.ok && (t.key == canonicalTrait[std] || (key != canonicalTrait[std] && key > t.key)) {
		return
	}
	*t = traitValue{key: key, v: v, ok: true}
}

// field indexes the profile fields an identify may change.
const (
	fieldFirstName = iota
	fieldLastName
	fieldEmail
	fieldPhone
	fieldTimezone
	fieldCount
)

var fieldNames = [fieldCount]string{"first_name", "last_name", "email", "phone_number", "timezone"}

// profile is what one identify changes, worked out in full before the user
// is touched.
type profile struct {
	set   [fieldCount]bool
	value [fieldCount]string
	attrs map[string]any // a nil value removes the attribute
	token string
	ios   bool // token goes to apns, else fcm
}

// identify creates or updates the message's user (CN-2..CN-7, EN-1).
func (c *Destination) identify(r *emulators.Request, s *State) {
	p := c.readProfile(r)
	u := s.userFor(r)
	was := u.lookupValues()
	changed := make([]string, 0, fieldCount+3)
	for f := range fieldCount {
		if !p.set[f] {
			continue
		}
		dst := u.field(f)
		if *dst != p.value[f] {
			*dst, u.dirty = p.value[f], true
			changed = append(changed, fieldNames[f])
		}
	}
	if p.token != "" {
		list, name := &u.FCM, "fcm"
		if p.ios {
			list, name = &u.APNS, "apns"
		}
		if !slices.Contains(*list, p.token) {
			*list, u.dirty = append(*list, p.token), true
			s.addToken(u, name, p.token)
			changed = append(changed, name)
		} else {
			r.Did("%s token already stored on user %s", name, u.ID)
		}
	}
	if len(p.attrs) > 0 {
		attrs := u.Attributes.Map()
		for k, v := range p.attrs {
			if v == nil {
				delete(attrs, k)
			} else {
				attrs[k] = v
			}
		}
		// The log names them as set even when they were already so; the
		// record is written again only when they changed.
		next := segment.NewObject(attrs)
		u.dirty = u.dirty || !next.Equal(u.Attributes)
		u.Attributes = next
		changed = append(changed, "attributes")
	}
	u.UpdatedAt = r.Now
	if len(changed) > 0 {
		r.Did("set %s on user %s", strings.Join(changed, ", "), u.ID)
	}
	s.moveLookups(u, was)
	s.save(u)
	r.Set("userId", u.ID)
}

// field returns the profile field f of u.
func (u *User) field(f int) *string {
	switch f {
	case fieldFirstName:
		return &u.FirstName
	case fieldLastName:
		return &u.LastName
	case fieldEmail:
		return &u.Email
	case fieldPhone:
		return &u.PhoneNumber
	}
	return &u.Timezone
}

// readProfile reads an identify's traits and context into a profile,
// warning about what it leaves out.
func (c *Destination) readProfile(r *emulators.Request) profile {
	m := r.Message
	var std [traitCount]traitValue
	p := profile{}
	for k, v := range m.Traits.All() {
		if t := standardTrait(k); t != traitNone {
			std[t].pick(t, k, v)
			continue
		}
		if p.attrs == nil {
			p.attrs = make(map[string]any)
		}
		// JSON types are kept (CN-7): an Engage audience trait stays a
		// boolean, true when the user enters, false when it leaves
		// (EN-1). (decision) null removes the attribute.
		p.attrs[k] = segment.Plain(v)
	}

	// CN-3: name splits at the first space; explicit first and last
	// names win over the split.
	if t := std[traitName]; t.ok {
		if name, ok := textTrait(r, t); ok {
			first, last, _ := strings.Cut(strings.Join(strings.Fields(name), " "), " ")
			p.setField(fieldFirstName, first)
			p.setField(fieldLastName, last)
		}
	}
	for _, f := range []struct{ trait, field int }{
		{traitFirstName, fieldFirstName}, {traitLastName, fieldLastName},
		{traitEmail, fieldEmail}, {traitPhone, fieldPhone}, // CN-4
	} {
		if t := std[f.trait]; t.ok {
			if v, ok := textTrait(r, t); ok {
				if f.field == fieldEmail {
					v = strings.TrimSpace(v) // emails are stored without surrounding spaces
				}
				p.setField(f.field, v)
			}
		}
	}
	c.readTimezone(r, std[traitTimezone], &p)
	readDevice(r, &p)
	return p
}

func (p *profile) setField(f int, v string) { p.set[f], p.value[f] = true, v }

// textTrait reads a standard trait as text: strings as they are, numbers
// and booleans in their text form, null as "" (clears the field,
// (decision)). An object or array is not stored and the log says so.
func textTrait(r *emulators.Request, t traitValue) (string, bool) {
	if t.v == nil {
		return "", true
	}
	s, ok := segment.Text(t.v)
	if !ok {
		r.Warn("traits.%s is a JSON %s, not text; not stored", t.key, segment.KindOf(t.v))
	}
	return s, ok
}

// readTimezone applies CN-6: the timezone trait, else context.timezone, is
// stored only when it is an IANA zone name.
func (c *Destination) readTimezone(r *emulators.Request, t traitValue, p *profile) {
	fromContext := !t.ok
	if fromContext {
		v, ok := r.Message.Context.Member("timezone")
		if !ok {
			return
		}
		t = traitValue{key: "timezone", v: v, ok: true}
	}
	if t.v == nil {
		p.setField(fieldTimezone, "") // (decision) null clears it
		return
	}
	var reason string
	if tz, ok := t.v.(string); ok {
		if reason = c.zones.check(tz); reason == "" {
			p.setField(fieldTimezone, tz)
			return
		}
		reason = strconv.Quote(tz) + " " + reason
	} else {
		reason = "is a JSON " + string(segment.KindOf(t.v)) + ", not an IANA zone name"
	}
	where := "traits." + t.key
	if fromContext {
		where = "context.timezone"
	}
	r.Warn("%s %s; timezone not stored", where, reason)
}

// readDevice applies CN-5: context.device.token goes to apns for an ios
// device and to fcm for an android one, the type in any casing.
func readDevice(r *emulators.Request, p *profile) {
	v, _ := r.Message.Context.Member("device")
	device, _ := v.(map[string]any)
	raw, ok := segment.Get(device, "token")
	if !ok || raw == nil {
		return
	}
	token, isString := raw.(string)
	if !isString || token == "" {
		r.Warn("context.device.token is not a non-empty string; not stored")
		return
	}
	kind, _ := segment.Get(device, "type")
	typ, _ := kind.(string)
	switch {
	case strings.EqualFold(typ, "ios"):
		p.token, p.ios = token, true
	case strings.EqualFold(typ, "android"):
		p.token = token
	case typ == "":
		// (decision) Without a type Connect cannot tell APNs from FCM.
		r.Warn("context.device.token not stored: context.device.type is missing (want ios or android)")
	default:
		r.Warn("context.device.token not stored: context.device.type %q is neither ios nor android", typ)
	}
}
