package promoter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// identifyLocked creates or updates the contact named by userId (PR-2..PR-4,
// EN-1). It validates before it changes anything.
func (s *State) identifyLocked(r *emulators.Request) error {
	m := r.Message
	if m.UserID == "" {
		// PR-2, seed: "If a userId is not provided in the identify event, we
		// will not store the contact."
		r.Ignore("identify without userId is not stored: Promoter keys contacts by userId (anonymousId %q)", m.AnonymousID)
		return nil
	}
	email := m.Email()
	ord, exists := s.Contacts.find(m.UserID)
	if !exists && email == "" {
		// PR-4 (decision in behaviors.md): a survey needs an email.
		return emulators.BadRequest("Missing email address")
	}
	var c Contact
	if !exists {
		ord, c = s.Contacts.add(m.UserID), Contact{UserID: m.UserID, CreatedAt: r.Now}
		r.Did("created contact %s (%s)", m.UserID, email)
	} else {
		c = s.Contacts.contact(ord)
		r.Did("updated contact %s", m.UserID)
	}
	c.UpdatedAt = r.Now
	if email != "" {
		c.Email = email
	}
	traits := m.Traits.Map()
	first, okFirst := segment.GetString(traits, "firstName")
	last, okLast := segment.GetString(traits, "lastName")
	if name, ok := segment.GetString(traits, "name"); ok && (!okFirst || !okLast) {
		// The Segment Spec's name is the full name: its first word fills an
		// absent first name, the rest an absent last name (as Connect does).
		f, l, _ := strings.Cut(strings.Join(strings.Fields(name), " "), " ")
		if !okFirst {
			first, okFirst = f, f != ""
		}
		if !okLast {
			last, okLast = l, l != ""
		}
	}
	if okFirst {
		c.FirstName = first
	}
	if okLast {
		c.LastName = last
	}
	attrs := c.Attributes.Map()
	setAttributes(attrs, traits)
	c.Attributes = segment.NewObject(attrs)
	s.Contacts.save(ord, &c)
	r.Set("contact", m.UserID)
	return nil
}

// setAttributes stores every trait as an attribute (PR-3). A trait spelled
// differently from a stored attribute of the same name (first_name against
// firstName, G-9) replaces it, the newest spelling winning. (decision) A
// null trait removes the attribute; an Engage audience trait (EN-1) is kept
// as the boolean it carries, so leaving the audience stores false.
//
// The folded names of the stored attributes are worked out once per call,
// and only when a trait is not stored under its own spelling, so an
// identify costs traits + attributes, not traits × attributes.
func setAttributes(attrs, traits map[string]any) {
	var byNorm map[string][]string // folded name → stored spellings
	for k, v := range traits {
		if _, exact := attrs[k]; !exact && len(attrs) > 0 {
			if byNorm == nil {
				byNorm = make(map[string][]string, len(attrs)+len(traits))
				for old := range attrs {
					n := segment.NormalizeKey(old)
					byNorm[n] = append(byNorm[n], old)
				}
			}
			norm := segment.NormalizeKey(k)
			for _, old := range byNorm[norm] {
				delete(attrs, old)
			}
			byNorm[norm] = append(byNorm[norm][:0], k)
		}
		if v == nil {
			delete(attrs, k)
			continue
		}
		attrs[k] = v // no copy: the caller encodes attrs before the message goes
	}
}

// trackLocked stores the event (PR-5) and runs every campaign whose trigger
// event it is (PR-6..PR-11). Nothing here refuses the request.
func (s *State) trackLocked(r *emulators.Request) {
	m := r.Message
	ev := &CustomEvent{
		ID:          idPrefix + strconv.Itoa(s.Seq.CustomEvent+1),
		Event:       m.Event,
		UserID:      m.UserID,
		AnonymousID: m.AnonymousID,
		MessageID:   m.MessageID,
		Timestamp:   m.Timestamp,
		ReceivedAt:  r.Now,
	}
	s.Seq.CustomEvent++
	ev.Properties = m.Properties
	s.addEvent(ev)
	r.Did("stored custom event %s %q", ev.ID, m.Event)
	r.Set("customEvent", ev.ID)

	campaigns := s.campaignsByEvent[m.Event]
	if len(campaigns) == 0 {
		return
	}
	contact, identified := s.Contacts.find(m.UserID) // none for "" or a userId never identified
	for _, c := range campaigns {
		if !activated(c) {
			r.Warn("campaign %s (%s) triggers on %q but is a draft: activate it to survey contacts", c.ID, c.Name, m.Event)
			continue
		}
		if c.Status == StatusReady {
			// PR-8, seed: "Once a valid track event comes through matching
			// the one you entered on the campaign settings, your campaign
			// will update from Ready to an Active status."
			now := r.Now
			c.Status, c.ActiveSince = StatusActive, &now
			r.Did("campaign %s is now active", c.ID)
		}
		if !identified {
			// PR-7, seed: "If not previously identified, a survey will not
			// be sent."
			if m.UserID == "" {
				r.Warn("no survey in campaign %s: the track has no userId, and Promoter finds contacts by userId", c.ID)
			} else {
				r.Warn("no survey in campaign %s: user %q was never identified (send identify with an email first)", c.ID, m.UserID)
			}
			continue
		}
		if why := s.surveyBlocked(c, m.UserID, r.Now); why != "" {
			r.Did("no survey in campaign %s for %s: %s", c.ID, m.UserID, why)
			continue
		}
		sv := s.addSurvey(c, m.UserID, s.Contacts.email(contact), r.Now)
		r.Did("scheduled survey %s in campaign %s for %s, delivery %s", sv.ID, c.ID, m.UserID, sv.ScheduledFor.Format(time.RFC3339))
		if l := s.lists[c.ContactList]; l != nil && l.add(m.UserID) {
			r.Did("added %s to contact list %s", m.UserID, l.ID)
		}
		r.Set("survey", sv.ID)
	}
}

// surveyBlocked says why campaign c may not survey the contact now, or "".
// It walks the contact's surveys newest first, without a slice, and
// reports the oldest that blocks it, the campaign's throttle first.
func (s *State) surveyBlocked(c *Campaign, userID string, now time.Time) string {
	deliver := now.Add(time.Duration(c.DeliveryDelayDays) * day)
	throttle := time.Duration(c.ThrottleDays) * day
	t := &s.Surveys
	throttledBy, dayBy := -1, -1
	for i := t.byContact.Last(emulators.Hash(userID)); i >= 0; i = t.byContact.Before(i) {
		if !t.contactIs(i, userID) {
			continue
		}
		r := &t.rows[i]
		// PR-10: the campaign's throttle counts from the last survey it
		// triggered; the window [t, t+N days) excludes its end.
		if throttle > 0 && string(t.bytes(r.campaign)) == c.ID && now.Before(r.triggered.time().Add(throttle)) {
			throttledBy = i
		}
		// PR-11 (Promoter's built-in one-day throttle, across campaigns).
		// (decision) It compares delivery times, which is when a contact is
		// surveyed: a survey delayed by 7 days and one sent at once 7 days
		// later would otherwise reach the contact on the same day.
		if gap := deliver.Sub(r.scheduled.time()); gap < day && gap > -day {
			dayBy = i
		}
	}
	if throttledBy >= 0 {
		at := t.rows[throttledBy].triggered.time()
		return fmt.Sprintf("throttled: the campaign surveyed the contact at %s and its throttle of %d days runs until %s",
			at.Format(time.RFC3339), c.ThrottleDays, at.Add(throttle).Format(time.RFC3339))
	}
	if dayBy >= 0 {
		r := &t.rows[dayBy] // fmt prints the bytes of %s as they are: no string made of them
		return fmt.Sprintf("surveyed within 24 hours: survey %s of campaign %s is delivered at %s, and a contact gets at most one survey per 24 hours",
			t.bytes(r.id), t.bytes(r.campaign), r.scheduled.time().Format(time.RFC3339))
	}
	return ""
}

// addSurvey schedules a survey of campaign c for the contact with the
// userId, to its email: triggered now, delivered after the campaign's
// delivery delay (PR-9; 0 days delivers at once).
func (s *State) addSurvey(c *Campaign, userID, email string, now time.Time) Survey {
	s.Seq.Survey++
	sv := Survey{
		ID:           "srv_" + strconv.Itoa(s.Seq.Survey),
		Campaign:     c.ID,
		Contact:      userID,
		Email:        email,
		TriggeredAt:  now,
		ScheduledFor: now.Add(time.Duration(c.DeliveryDelayDays) * day),
		ReminderDays: c.ReminderDays,
	}
	s.Surveys.add(&sv)
	return sv
}
