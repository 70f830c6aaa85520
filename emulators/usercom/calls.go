package usercom

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unique"

	"github.com/mileusna/useragent"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// identify maps traits and context onto the user profile (UC-5 to UC-9,
// EN-1).
func (st *State) identify(r *emulators.Request, u *User) {
	st.withAttributes(u)
	st.workChanged = true
	attrs := scratchMap(&st.attrsBuf)
	for k, v := range u.Attributes.All() { // as Map decodes them, into a map reused
		attrs[k] = v
	}
	was := keysOf(u, attrs, st.scratch[0][:0])
	set := st.applyTraits(r, r.Message.Traits, profile{
		ct: ContentUser, attrs: attrs, share: asItCame,
		country: &u.Country, region: &u.Region, city: &u.City,
		text: func(norm string) *string {
			switch norm {
			case "email":
				return &u.Email
			case "firstname":
				return &u.FirstName
			case "lastname":
				return &u.LastName
			case "phone":
				return &u.Phone
			case "gender":
				return &u.Gender
			}
			return nil
		},
	})
	set = st.mapContext(r.Message.Context, u, set)
	if !r.Message.Traits.Empty() {
		u.Attributes = segment.NewObject(attrs)
	}
	st.moveLookups(u, attrs, &was)
	if len(set) > 0 {
		r.Did("set %s on user %s", strings.Join(set, ", "), userLabel(u))
	}
}

// scratchMap returns the map *m emptied, made on first use: identify's
// attributes and track's properties are worked out in a map the state
// reuses under the account's lock, packed (segment.NewObject) before the
// next message clears it.
func scratchMap(m *map[string]any) map[string]any {
	if *m == nil {
		*m = make(map[string]any, 16)
	}
	clear(*m)
	return *m
}

// profile is what a call's traits write into: a user (identify) or a
// company (group).
type profile struct {
	ct    ContentType
	attrs map[string]any
	// text returns the semantic text field a folded trait name maps to, or
	// nil for a custom attribute.
	text                  func(norm string) *string
	country, region, city *string // filled from the address trait (UC-6)
	employees             **int64 // companies only
	// share keeps a text that repeats over profiles (a name, a place): a
	// company keeps one copy for the process (unique.Make); a user's
	// record keeps its index in the app's table of words (userList), so
	// the user keeps it as it came.
	share func(string) string
}

func asItCame(s string) string { return s }

func interned(s string) string { return unique.Make(s).Value() }

// applyTraits maps semantic traits to the profile's fields and the rest to
// its attributes (UC-8, UC-9), and returns what it set. Keys are visited in
// sorted order (the packed traits' order) so that two spellings of one
// trait (firstName, first_name) resolve the same way every time: the last
// in byte order wins. Each trait is read as it is packed: an object or
// array attribute is written as JSON straight from it, never decoded.
func (st *State) applyTraits(r *emulators.Request, traits segment.Object, p profile) []string {
	set := st.scratchSet[:0] // room for the context fields too
	for k, v := range traits.Members() {
		norm := st.norms.get(k, segment.NormalizeKey)
		if dst := p.text(norm); dst != nil {
			if setText(r, "trait", k, v.Decode(), dst) {
				if norm == "email" {
					*dst = strings.TrimSpace(*dst) // emails are stored without surrounding spaces
				} else {
					*dst = p.share(*dst)
				}
				set = append(set, k)
			}
			continue
		}
		switch {
		case norm == "address":
			set = applyAddress(r, "trait", k, v, p, set)
		case norm == "employees" && p.employees != nil:
			if n, ok := employees(r, k, v.Decode()); ok {
				*p.employees = &n
				set = append(set, k)
			}
		default:
			if name, ok := st.setAttribute(r, p.ct, "trait", k, norm, v, p.attrs); ok {
				set = append(set, name)
			}
		}
	}
	st.scratchSet = set[:0]
	return set
}

// setText stores a scalar trait as text. Null leaves the field unchanged;
// an object or array is ignored with a warning.
func setText(r *emulators.Request, what, name string, v any, dst *string) bool {
	if v == nil {
		return false
	}
	s, ok := segment.Text(v)
	if !ok {
		r.Warn("%s %q is a JSON %s, not text; ignored", what, name, segment.KindOf(v))
		return false
	}
	*dst = s
	return true
}

// applyAddress maps an address object to country, region (from state or
// region) and city, the fields that are present (UC-6).
func applyAddress(r *emulators.Request, what, name string, v segment.Value, p profile, set []string) []string {
	addr, ok := v.Object()
	if !ok {
		if v.Kind() != segment.KindNull {
			r.Warn("%s %q is not an object with country, state/region and city; ignored", what, name)
		}
		return set
	}
	if c, ok := addr.GetString("country"); ok {
		*p.country = p.share(c)
		set = append(set, "country")
	}
	reg, ok := addr.GetString("state")
	if !ok {
		reg, ok = addr.GetString("region")
	}
	if ok {
		*p.region = p.share(reg)
		set = append(set, "region")
	}
	if c, ok := addr.GetString("city"); ok {
		*p.city = p.share(c)
		set = append(set, "city")
	}
	return set
}

// mapContext copies the context fields the seed lists onto the user (UC-7);
// absent ones leave the profile unchanged. The context is read in one pass
// over its members (of a key given twice, the last counts, as in the
// decoded map), and the user agent parsed once per agent (agents).
func (st *State) mapContext(ctx segment.Object, u *User, set []string) []string {
	if ctx.Empty() {
		return set
	}
	var ua, locale, ip, zone, os, dev, scr, page segment.Value
	for k, v := range ctx.Members() {
		switch k {
		case "userAgent":
			ua = v
		case "locale":
			locale = v
		case "ip":
			ip = v
		case "timezone":
			zone = v
		case "os":
			os = v
		case "device":
			dev = v
		case "screen":
			scr = v
		case "page":
			page = v
		}
	}
	own := func(dst *string, v, field string) {
		if v != "" {
			*dst = v
			set = append(set, field)
		}
	}
	// put sets a value that repeats over users (an agent, a zone, a
	// language), kept in the app's table of words; own a value of the
	// user's own (an address), kept in its record.
	put := own
	if agent, _ := ua.Text(); agent != "" {
		put(&u.UserAgent, agent, "user_agent")
		b := st.agents.get(agent, parseAgent)
		put(&u.BrowserFamily, b.family, "browser_family")
		put(&u.BrowserVersion, b.version, "browser_version")
	}
	if os, ok := os.Object(); ok {
		put(&u.OS, memberString(os, "name"), "os")
	}
	if dev, ok := dev.Object(); ok {
		name := memberString(dev, "name")
		if name == "" {
			name = memberString(dev, "model")
		}
		put(&u.DeviceName, name, "device_name")
		put(&u.DeviceType, memberString(dev, "type"), "device_type")
	}
	lang, _ := locale.Text()
	put(&u.Language, lang, "language")
	if scr, ok := scr.Object(); ok {
		width, _ := scr.Member("width")
		height, _ := scr.Member("height")
		w, okW := segment.Text(width)
		h, okH := segment.Text(height)
		if okW && okH && w != "" && h != "" {
			res, seen := st.Users.word(w + "x" + h) // the table's copy: the text is not made again
			if !seen {
				res = w + "x" + h
			}
			put(&u.Resolution, res, "resolution")
		}
	}
	addr, _ := ip.Text()
	own(&u.IPAddress, addr, "ip_address")
	tz, _ := zone.Text()
	put(&u.Timezone, tz, "timezone")
	if page, ok := page.Object(); ok {
		own(&u.CurrentURL, memberString(page, "url"), "current_url")
	}
	return set
}

// memberString is obj's member of that name when it is a string, else "".
func memberString(obj segment.Object, name string) string {
	v, _ := obj.Member(name)
	s, _ := v.(string)
	return s
}

// browser is what a user agent tells of its browser.
type browser struct{ family, version string }

func parseAgent(ua string) browser {
	family, version := parseBrowser(ua)
	return browser{family, version}
}

// memo remembers what f answered for the strings given last: an app's
// messages come with a handful of user agents, whose parse costs more than
// the rest of an identify's context, and the same trait and property names,
// each folded (segment.NormalizeKey) every time it came. It is cleared when
// it holds maxMemo.
type memo[V any] map[string]V

const maxMemo = 512

// get is f(s), called once while s is remembered.
func (m *memo[V]) get(s string, f func(string) V) V {
	if v, ok := (*m)[s]; ok {
		return v
	}
	if *m == nil || len(*m) >= maxMemo {
		*m = make(memo[V], 64)
	}
	v := f(s)
	(*m)[s] = v
	return v
}

// parseBrowser reads the browser family and version from a user agent with
// github.com/mileusna/useragent: pure Go, no data files, about 1.6 µs a
// parse. (decision) ua-parser's uap-go was measured too: its regex list
// takes ~47 ms and a YAML parse to load and ~0.5 ms per uncached parse.
// An agent it does not recognise gives "", leaving the profile unchanged.
func parseBrowser(ua string) (family, version string) {
	p := useragent.Parse(ua)
	if p.Name == "" || p.Name == ua {
		return "", ""
	}
	return p.Name, p.Version
}

// track records an event occurrence and defines the event and its
// properties on first sight (UC-11).
func (st *State) track(r *emulators.Request, u *User) {
	m := r.Message
	ev := st.events[m.Event]
	if ev == nil {
		ev = &EventDefinition{Name: m.Event, Properties: []string{}, CreatedAt: r.Now}
		st.Events = append(st.Events, ev)
		st.events[m.Event] = ev
		r.Did("defined event %q (first sight)", m.Event)
	}
	props := scratchMap(&st.propsBuf)
	for k, v := range m.Properties.Members() { // in order of their keys
		name, ok := st.setAttribute(r, ContentEvent, "property", k, st.norms.get(k, segment.NormalizeKey), v, props)
		if ok && !slices.Contains(ev.Properties, name) {
			ev.Properties = append(ev.Properties, name)
		}
	}
	st.addOccurrence(&Occurrence{
		Event: m.Event, User: u.ID, UserID: u.UserID, AnonymousID: u.AnonymousID, MessageID: m.MessageID,
		Timestamp: m.Timestamp, Properties: segment.NewObject(props),
	})
	ev.Occurrences++
	r.Did("recorded event %q for user %s", m.Event, userLabel(u))
}

// page counts a page view, records it and moves last_seen forward, never
// back (UC-10): an older page that arrives late leaves last_seen alone.
func (st *State) page(r *emulators.Request, u *User) {
	m := r.Message
	pageCtx, _ := m.Context.Nested("page")
	field := func(name string) string {
		if s, ok := m.Properties.GetString(name); ok {
			return s
		}
		return memberString(pageCtx, name)
	}
	pv := &PageView{
		User: u.ID, UserID: u.UserID, AnonymousID: u.AnonymousID,
		MessageID: m.MessageID, Name: m.Name,
		URL: field("url"), Path: field("path"), Title: field("title"), Timestamp: m.Timestamp,
	}
	if pv.Path == "" && pv.URL != "" {
		// (decision) a page without a path takes it from its URL.
		if pu, err := url.Parse(pv.URL); err == nil {
			pv.Path = pu.Path
		}
	}
	if pv.Title == "" {
		pv.Title = m.Name
	}
	st.addPageView(pv)
	u.PageViews++
	r.Did("recorded page view %q for user %s (page_views %d)", pv.URL, userLabel(u), u.PageViews)
	if u.LastSeen == nil || m.Timestamp.After(*u.LastSeen) {
		t := m.Timestamp
		u.LastSeen = &t
		return
	}
	r.Did("kept last_seen %s: the page's time %s is not newer", u.LastSeen.Format(time.RFC3339Nano), m.Timestamp.Format(time.RFC3339Nano))
}

// group creates or updates the company with the groupId and makes the user
// a member (UC-12). The semantic traits address, description, email,
// employees, name and phone fill the company's own fields; the rest are
// company attributes (UC-8, UC-9).
func (st *State) group(r *emulators.Request, u *User) {
	st.withProfile(u) // its companies
	m := r.Message
	c := st.companies[m.GroupID]
	if c == nil {
		c = &Company{ID: int64(len(st.Companies) + 1), GroupID: m.GroupID,
			Attributes: map[string]any{}, MemberIDs: []int64{}, CreatedAt: r.Now}
		st.Companies = append(st.Companies, c)
		st.companies[m.GroupID] = c
		r.Did("created company %q", m.GroupID)
	}
	set := st.applyTraits(r, m.Traits, profile{
		ct: ContentCompany, attrs: c.Attributes, share: interned,
		country: &c.Country, region: &c.Region, city: &c.City, employees: &c.Employees,
		text: func(norm string) *string {
			switch norm {
			case "name":
				return &c.Name
			case "description":
				return &c.Description
			case "email":
				return &c.Email
			case "phone":
				return &c.Phone
			}
			return nil
		},
	})
	if len(set) > 0 {
		r.Did("set %s on company %q", strings.Join(set, ", "), m.GroupID)
	}
	c.UpdatedAt = r.Now
	if !slices.Contains(u.Companies, c.GroupID) {
		u.Companies = append(u.Companies, c.GroupID)
		st.workChanged = true
		c.MemberIDs = append(c.MemberIDs, u.ID)
		r.Did("added user %s to company %q", userLabel(u), m.GroupID)
	}
	r.Set("company", c.ID)
}

// employees reads the employees trait as a whole number ("120" counts).
func employees(r *emulators.Request, name string, v any) (int64, bool) {
	if v == nil {
		return 0, false
	}
	d, ok := segment.Decimal(v)
	n, err := strconv.ParseInt(string(d), 10, 64)
	if !ok || err != nil || n < 0 {
		r.Warn("trait %q: %s is not a whole number of employees; ignored", name, describe(v))
		return 0, false
	}
	return n, true
}
