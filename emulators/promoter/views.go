package promoter

import (
	"time"

	"github.com/destemu/destemu/wire"
)

// SurveyStatus is where a survey is, derived from the clock when read.
type SurveyStatus = string

// Survey statuses, in the order a survey moves through them.
const (
	// SurveyScheduled: triggered, waiting for its delivery delay (PR-9).
	SurveyScheduled SurveyStatus = "scheduled"
	// SurveyDelivered: in the contact's inbox, no response yet.
	SurveyDelivered SurveyStatus = "delivered"
	// SurveyReminded: delivered, unanswered, and the reminder went out
	// (PR-12).
	SurveyReminded SurveyStatus = "reminded"
	// SurveyResponded: the contact answered (recorded through the control
	// plane).
	SurveyResponded SurveyStatus = "responded"
)

// SurveyView is a survey as the control plane shows it at a given time.
type SurveyView = wire.PromoterSurvey

// view derives delivery and reminder from now: a survey is delivered once
// its scheduled time has come (PR-9) and reminded once its campaign's
// reminder days have passed after delivery without a response before then
// (PR-12).
func (sv *Survey) view(now time.Time) SurveyView {
	v := SurveyView{
		ID: sv.ID, Campaign: sv.Campaign, Contact: sv.Contact, Email: sv.Email,
		TriggeredAt: sv.TriggeredAt, ScheduledFor: sv.ScheduledFor,
		Responded: sv.Response != nil, Response: sv.Response,
		Status: SurveyScheduled,
	}
	// A response is only accepted once delivered, so it implies delivery
	// even if the clock was later set back.
	if !now.Before(sv.ScheduledFor) || sv.Response != nil {
		at := sv.ScheduledFor
		v.DeliveredAt, v.Status = &at, SurveyDelivered
	}
	if sv.ReminderDays > 0 {
		due := sv.ScheduledFor.Add(time.Duration(sv.ReminderDays) * day)
		v.ReminderDueAt = &due
		until := now // the reminder goes out unless a response came first
		if sv.Response != nil && sv.Response.RespondedAt.Before(now) {
			until = sv.Response.RespondedAt
		}
		if !until.Before(due) {
			v.RemindedAt, v.Status = &due, SurveyReminded
		}
	}
	if sv.Response != nil {
		v.Status = SurveyResponded
	}
	return v
}

// ContactView is a contact with the lists it is on.
type ContactView struct {
	*Contact
	Lists []string `json:"lists"`
}

// contactView reads contact ord and the lists it is on.
func (s *State) contactView(ord uint32) ContactView {
	c := s.Contacts.contact(ord)
	v := ContactView{Contact: &c, Lists: []string{}}
	for _, l := range s.ContactLists {
		if l.has(c.UserID) {
			v.Lists = append(v.Lists, l.ID)
		}
	}
	return v
}
