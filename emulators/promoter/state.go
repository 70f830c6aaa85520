package promoter

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"

	"github.com/destemu/destemu/wire"
)

// day is the unit Promoter counts delays, throttles and reminders in.
const day = 24 * time.Hour

// maxDays bounds the day counts of a campaign (decision: ten years is more
// than any real campaign and keeps the arithmetic far from overflow).
const maxDays = 3650

// State is one Promoter account: its contacts, contact lists, Segment
// campaigns, surveys, custom events and daily request counter. The platform
// only touches it with the account's lock held. Exported fields are the
// snapshot format; the unexported indexes are rebuilt by reindex.
type State struct {
	// Contacts are keyed by userId: the seed says the userId is how Promoter
	// connects a track event to the stored contact. They are kept as
	// records (contactTable); in JSON, an object by userId.
	Contacts     contactTable   `json:"contacts"`
	ContactLists []*ContactList `json:"contactLists"`
	Campaigns    []*Campaign    `json:"campaigns"`
	Surveys      surveyTable    `json:"surveys"`
	CustomEvents storedEvents   `json:"customEvents"`
	// DailyLimit is how many requests the account processes per UTC day.
	DailyLimit int `json:"dailyLimit"`
	// Daily counts the requests of each UTC date (2006-01-02) the account
	// processed requests on: a clock set back a day and forward again
	// finds each day's count as it left it (PR-13).
	Daily map[string]int `json:"daily"`
	// Counter is the one-day counter of earlier snapshots, read into Daily.
	Counter DailyCounter `json:"counter,omitzero"`
	// Seq numbers the ids the emulator generates.
	Seq Sequences `json:"seq"`

	lists            map[string]*ContactList
	campaigns        map[string]*Campaign
	campaignsByEvent map[string][]*Campaign    // trigger event → campaigns, oldest first
	eventsByUser     *emulators.Chains[uint64] // CustomEvents by the Hash of their userId
}

// Sequences are the last numbers used in generated ids, kept in the state so
// that ids stay unique across a snapshot round trip.
type Sequences struct {
	Campaign    int `json:"campaign"`
	List        int `json:"list"`
	Survey      int `json:"survey"`
	CustomEvent int `json:"customEvent"`
}

// DailyCounter is the number of requests counted on one UTC day (PR-13).
type DailyCounter struct {
	// Day is the UTC midnight that starts the counted day.
	Day   time.Time `json:"day"`
	Count int       `json:"count"`
}

// Contact is a person Promoter can survey, created by identify (PR-3), as
// a snapshot and the control plane show it; the state keeps it as a
// record (contactTable) and decodes it when it is read.
type Contact struct {
	UserID    string `json:"userId"`
	Email     string `json:"email"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	// Attributes hold every trait of every identify (the seed: "All of the
	// traits associated with the Identify event will get added as contact
	// attributes"), kept compact: an object's bytes, decoded to change.
	Attributes segment.Object `json:"attributes"`
	CreatedAt  time.Time      `json:"createdAt,omitzero"`
	UpdatedAt  time.Time      `json:"updatedAt"`
}

// CampaignStatus is where a Segment campaign is in its life (PR-8).
type CampaignStatus = string

// Campaign statuses: draft until activated, ready once activated (it then
// accepts Segment events), active after its first matching track event.
const (
	StatusDraft  CampaignStatus = "draft"
	StatusReady  CampaignStatus = "ready"
	StatusActive CampaignStatus = "active"
)

// DistributionInstant is the only distribution a Segment campaign has (seed
// step 5: "Distribution set to 'Instant'").
const DistributionInstant = "instant"

// Campaign is a Segment campaign: a track event named TriggerEvent surveys
// the identified contact (PR-6). It is stored as the control plane shows it.
type Campaign = wire.PromoterCampaign

// activated reports whether the campaign accepts Segment events.
func activated(c *Campaign) bool { return c.Status != StatusDraft }

// Survey is one NPS survey a campaign triggered for a contact, as a
// snapshot writes it; the state keeps it as a row without pointers (see
// surveyTable). Only the facts fixed at trigger time and the response are
// stored; whether it is delivered or reminded follows from the clock when
// read (see view).
type Survey struct {
	ID       string `json:"id"`
	Campaign string `json:"campaign"`
	Contact  string `json:"contact"`
	// Email is the address the survey goes to, as it was when triggered.
	Email        string    `json:"email"`
	TriggeredAt  time.Time `json:"triggeredAt"`
	ScheduledFor time.Time `json:"scheduledFor"`
	// ReminderDays is the campaign's reminder when the survey was triggered.
	ReminderDays int       `json:"reminderDays"`
	Response     *Response `json:"response,omitempty"`
}

// Response is a contact's answer to a survey, recorded through the control
// plane (Promoter's contacts answer by email, outside Segment).
type Response = wire.PromoterSurveyResponse

// CustomEvent is a stored track event (PR-5). The state keeps it as a
// record (storedEvents) and decodes it when it is read.
type CustomEvent = wire.PromoterCustomEventOf[segment.Object]

func newState() *State {
	s := &State{DailyLimit: DefaultDailyLimit}
	s.CustomEvents.Nil() // null in a snapshot until the first event, as ever
	_ = s.reindex()      // an empty state always indexes
	return s
}

// reindex rebuilds the lookup maps from the exported fields (after
// LoadState) and fills what a hand-written snapshot may have left nil. It
// refuses a state whose records are null or whose ids repeat, and moves the
// id sequences past every id in use, so a generated id never repeats one.
func (s *State) reindex() error {
	if err := s.Contacts.reindex(); err != nil { // indexed as it was read
		return err
	}
	s.lists = make(map[string]*ContactList, len(s.ContactLists))
	for i, l := range s.ContactLists {
		if l == nil {
			return fmt.Errorf("contactLists[%d] is null", i)
		}
		if _, dup := s.lists[l.ID]; dup {
			return fmt.Errorf("contactLists[%d]: id %q repeats", i, l.ID)
		}
		s.lists[l.ID] = l
		raiseSeq(&s.Seq.List, "list_", l.ID)
	}
	s.campaigns = make(map[string]*Campaign, len(s.Campaigns))
	s.campaignsByEvent = make(map[string][]*Campaign, len(s.Campaigns))
	for i, c := range s.Campaigns {
		if c == nil {
			return fmt.Errorf("campaigns[%d] is null", i)
		}
		if _, dup := s.campaigns[c.ID]; dup {
			return fmt.Errorf("campaigns[%d]: id %q repeats", i, c.ID)
		}
		s.indexCampaign(c)
		raiseSeq(&s.Seq.Campaign, "cmp_", c.ID)
	}
	if err := s.Surveys.reindex(&s.Seq.Survey); err != nil {
		return err
	}
	for _, e := range s.CustomEvents.All() { // a null event was refused as it was read
		raiseSeq(&s.Seq.CustomEvent, idPrefix, e.ID)
	}
	s.indexEvents()
	if s.Daily == nil {
		s.Daily = map[string]int{}
	}
	if s.Counter.Count > 0 {
		s.Daily[utcDay(s.Counter.Day).Format(time.DateOnly)] += s.Counter.Count
	}
	s.Counter = DailyCounter{}
	return nil
}

// raiseSeq moves a sequence past an id of the form prefix+number.
func raiseSeq(seq *int, prefix, id string) {
	if n, err := strconv.Atoi(strings.TrimPrefix(id, prefix)); err == nil && strings.HasPrefix(id, prefix) && n > *seq {
		*seq = n
	}
}

func (s *State) indexCampaign(c *Campaign) {
	s.campaigns[c.ID] = c
	s.campaignsByEvent[c.TriggerEvent] = append(s.campaignsByEvent[c.TriggerEvent], c)
}

// nextID returns prefix_N for the next N whose id is not taken, so that
// generated ids never collide with ids a user chose.
func nextID(prefix string, seq *int, taken func(string) bool) string {
	for {
		*seq++
		id := prefix + strconv.Itoa(*seq)
		if !taken(id) {
			return id
		}
	}
}

// Config is the vendor-side configuration of an account created through the
// control plane.
type Config = wire.PromoterConfig

// apply builds the config into the fresh state s, in order, so that a
// campaign may name a list made above it. A bad entry fails the whole
// config, and NewState then drops s: nothing half-built survives.
func (s *State) apply(cfg Config) error {
	if cfg.DailyLimit != nil {
		if err := checkLimit("dailyLimit", *cfg.DailyLimit); err != nil {
			return err
		}
	}
	for i, l := range cfg.ContactLists {
		if _, err := s.addList(l, "contactLists["+strconv.Itoa(i)+"].", time.Time{}); err != nil {
			return err
		}
	}
	for i, c := range cfg.Campaigns {
		if _, err := s.addCampaign(c, "campaigns["+strconv.Itoa(i)+"].", time.Time{}); err != nil {
			return err
		}
	}
	if cfg.DailyLimit != nil {
		s.DailyLimit = *cfg.DailyLimit
	}
	return nil
}

func checkLimit(field string, n int) error {
	if n < 0 {
		return emulators.BadRequest("%s must be 0 or more, not %d", field, n)
	}
	return nil
}

// ContactListSpec creates a contact list.
type ContactListSpec = wire.PromoterContactListSpec

// defaultListID names the list a campaign uses when it names none (decision:
// the seed suggests a list named "Segment List").
const (
	defaultListID   = "segment-list"
	defaultListName = "Segment List"
)

// addList validates spec and adds the list; field prefixes error messages.
func (s *State) addList(spec ContactListSpec, field string, now time.Time) (*ContactList, error) {
	name := strings.TrimSpace(spec.Name)
	if name == "" {
		return nil, emulators.BadRequest("%sname is required", field)
	}
	if spec.ID != "" {
		if _, dup := s.lists[spec.ID]; dup {
			return nil, emulators.Conflict("%sid: contact list %q already exists", field, spec.ID)
		}
	}
	id := spec.ID
	if id == "" {
		id = nextID("list_", &s.Seq.List, func(id string) bool { _, ok := s.lists[id]; return ok })
	}
	l := &ContactList{ID: id, Name: name, CreatedAt: now}
	s.ContactLists = append(s.ContactLists, l)
	s.lists[id] = l
	return l, nil
}

// CampaignSpec creates a Segment campaign (seed, "Setting up your Segment
// campaign", steps 1 to 9).
type CampaignSpec = wire.PromoterCampaignSpec

// addCampaign validates spec and adds the campaign; it changes nothing when
// it returns an error.
func (s *State) addCampaign(spec CampaignSpec, field string, now time.Time) (*Campaign, error) {
	c := &Campaign{
		ID:                spec.ID,
		Name:              strings.TrimSpace(spec.Name),
		TriggerEvent:      spec.TriggerEvent,
		EmailTemplate:     strings.TrimSpace(spec.EmailTemplate),
		ContactList:       spec.ContactList,
		Distribution:      strings.ToLower(strings.TrimSpace(spec.Distribution)),
		ReminderDays:      spec.ReminderDays,
		ForwardingEmail:   strings.TrimSpace(spec.ForwardingEmail),
		DeliveryDelayDays: spec.DeliveryDelayDays,
		ThrottleDays:      spec.ThrottleDays,
		Status:            StatusDraft,
		CreatedAt:         now,
	}
	switch {
	case c.Name == "":
		return nil, emulators.BadRequest("%sname is required", field)
	case strings.TrimSpace(c.TriggerEvent) == "":
		return nil, emulators.BadRequest("%striggerEvent is required: the track event name that triggers a survey", field)
	case c.Distribution != "" && c.Distribution != DistributionInstant:
		return nil, emulators.BadRequest("%sdistribution must be %q for a Segment campaign, not %q", field, DistributionInstant, spec.Distribution)
	}
	for _, d := range []struct {
		name string
		n    int
	}{{"reminderDays", c.ReminderDays}, {"deliveryDelayDays", c.DeliveryDelayDays}, {"throttleDays", c.ThrottleDays}} {
		if d.n < 0 || d.n > maxDays {
			return nil, emulators.BadRequest("%s%s must be between 0 and %d, not %d", field, d.name, maxDays, d.n)
		}
	}
	if c.ForwardingEmail != "" {
		if _, err := mail.ParseAddress(c.ForwardingEmail); err != nil {
			return nil, emulators.BadRequest("%sforwardingEmail %q is not an email address", field, c.ForwardingEmail)
		}
	}
	if c.ID != "" {
		if _, dup := s.campaigns[c.ID]; dup {
			return nil, emulators.Conflict("%sid: campaign %q already exists", field, c.ID)
		}
	}
	if c.ContactList != "" {
		if _, ok := s.lists[c.ContactList]; !ok {
			return nil, emulators.BadRequest("%scontactList: contact list %q does not exist; create it first or leave contactList empty for %q", field, c.ContactList, defaultListID)
		}
	}
	// Valid: mutate from here on.
	if c.ContactList == "" {
		c.ContactList = defaultListID
		if _, ok := s.lists[defaultListID]; !ok {
			if _, err := s.addList(ContactListSpec{ID: defaultListID, Name: defaultListName}, field, now); err != nil {
				return nil, err
			}
		}
	}
	if c.Distribution == "" {
		c.Distribution = DistributionInstant
	}
	if c.EmailTemplate == "" {
		c.EmailTemplate = "default"
	}
	if c.ID == "" {
		c.ID = nextID("cmp_", &s.Seq.Campaign, func(id string) bool { _, ok := s.campaigns[id]; return ok })
	}
	if spec.Activate {
		activate(c, now)
	}
	s.Campaigns = append(s.Campaigns, c)
	s.indexCampaign(c)
	return c, nil
}

// Stamp dates what the account's config created, as the routes date what
// they create: contact lists' and campaigns' createdAt, and activatedAt of
// the campaigns the config activated (PR-8).
func (s *State) Stamp(now time.Time) {
	for _, l := range s.ContactLists {
		if l.CreatedAt.IsZero() {
			l.CreatedAt = now
		}
	}
	for _, c := range s.Campaigns {
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		if c.Status != StatusDraft && c.ActivatedAt == nil {
			c.ActivatedAt = &now
		}
	}
}

// activate moves a draft to ready; an activated campaign stays as it is.
func activate(c *Campaign, now time.Time) {
	if c.Status != StatusDraft {
		return
	}
	c.Status = StatusReady
	if !now.IsZero() { // config campaigns are activated before any clock
		c.ActivatedAt = &now
	}
}
