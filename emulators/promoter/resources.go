package promoter

import (
	"net/http"
	"reflect"
	"time"

	"github.com/destemu/destemu/emulators"
)

// Resources lists Promoter's control-plane routes below
// /_emulator/promoter/accounts/{id}/: the vendor-side configuration
// (campaigns, contact lists, the daily limit) and read-only views of what
// the webhook built (contacts, surveys, custom events), plus recording a
// survey response, which in Promoter arrives by email, not through Segment.
func (*Destination) Resources() []emulators.Resource[*State] {
	return []emulators.Resource[*State]{
		campaignsView.Resource(),
		{Method: http.MethodPost, Path: "campaigns", Summary: "Create a Segment campaign (draft, or ready with \"activate\": true)", Status: http.StatusCreated, In: reflect.TypeFor[CampaignSpec](), Out: reflect.TypeFor[Campaign](), Handle: createCampaign},
		{Method: http.MethodGet, Path: "campaigns/{id}", Summary: "Get a campaign", Out: reflect.TypeFor[Campaign](), Handle: getCampaign},
		{Method: http.MethodPost, Path: "campaigns/{id}/activate", Summary: "Activate a campaign: draft becomes ready", Out: reflect.TypeFor[Campaign](), Handle: activateCampaign},
		contactListsView.Resource(),
		{Method: http.MethodPost, Path: "contact-lists", Summary: "Create a contact list", Status: http.StatusCreated, In: reflect.TypeFor[ContactListSpec](), Out: reflect.TypeFor[ContactListView](), Handle: createContactList},
		{Method: http.MethodGet, Path: "contact-lists/{id}", Summary: "Get a contact list", Out: reflect.TypeFor[ContactListView](), Handle: getContactList},
		contactsView.Resource(),
		{Method: http.MethodGet, Path: "contacts/{userId}", Summary: "Get a contact by userId", Out: reflect.TypeFor[ContactView](), Handle: getContact},
		surveysView.Resource(),
		{Method: http.MethodGet, Path: "surveys/{id}", Summary: "Get a survey", Out: reflect.TypeFor[SurveyView](), Handle: getSurvey},
		{Method: http.MethodPost, Path: "surveys/{id}/response", Summary: "Record the contact's response to a delivered survey", In: reflect.TypeFor[ResponseSpec](), Out: reflect.TypeFor[SurveyView](), Handle: respondSurvey},
		customEventsView.Resource(),
		{Method: http.MethodGet, Path: "daily-limit", Summary: "Read today's request count, the daily limit and when it resets", Out: reflect.TypeFor[DailyLimitView](), Handle: getDailyLimit},
		{Method: http.MethodPut, Path: "daily-limit", Summary: "Set the account's daily request limit", In: reflect.TypeFor[LimitSpec](), Out: reflect.TypeFor[DailyLimitView](), Handle: setDailyLimit},
	}
}

func createCampaign(r *emulators.ResourceRequest, s *State) (any, error) {
	var spec CampaignSpec
	if err := r.Decode(&spec); err != nil {
		return nil, err
	}
	return s.addCampaign(spec, "", r.Now)
}

func (s *State) campaign(id string) (*Campaign, error) {
	c, ok := s.campaigns[id]
	if !ok {
		return nil, emulators.NotFound("campaign %q not found", id)
	}
	return c, nil
}

func getCampaign(r *emulators.ResourceRequest, s *State) (any, error) {
	return s.campaign(r.Param("id"))
}

// activateCampaign is "Activate Campaign" in Promoter: a draft becomes
// ready to receive Segment events. (decision) Activating an activated
// campaign is not an error and changes nothing, so set-up scripts may
// repeat it.
func activateCampaign(r *emulators.ResourceRequest, s *State) (any, error) {
	c, err := s.campaign(r.Param("id"))
	if err != nil {
		return nil, err
	}
	activate(c, r.Now)
	return c, nil
}

func createContactList(r *emulators.ResourceRequest, s *State) (any, error) {
	var spec ContactListSpec
	if err := r.Decode(&spec); err != nil {
		return nil, err
	}
	l, err := s.addList(spec, "", r.Now)
	if err != nil {
		return nil, err
	}
	return l.view(), nil
}

func getContactList(r *emulators.ResourceRequest, s *State) (any, error) {
	l, ok := s.lists[r.Param("id")]
	if !ok {
		return nil, emulators.NotFound("contact list %q not found", r.Param("id"))
	}
	return l.view(), nil
}

func getContact(r *emulators.ResourceRequest, s *State) (any, error) {
	ord, ok := s.Contacts.find(r.Param("userId"))
	if !ok {
		return nil, emulators.NotFound("contact %q not found", r.Param("userId"))
	}
	return s.contactView(ord), nil
}

// survey returns the row of the survey with the id, and the survey.
func (s *State) survey(id string) (int, Survey, error) {
	i, ok := s.Surveys.find(id)
	if !ok {
		return 0, Survey{}, emulators.NotFound("survey %q not found", id)
	}
	return i, s.Surveys.at(i), nil
}

func getSurvey(r *emulators.ResourceRequest, s *State) (any, error) {
	_, sv, err := s.survey(r.Param("id"))
	if err != nil {
		return nil, err
	}
	return sv.view(r.Now), nil
}

// ResponseSpec records a contact's answer: an NPS score from 0 to 10 and an
// optional comment.
type ResponseSpec struct {
	Score   *int   `json:"score"`
	Comment string `json:"comment"`
}

// respondSurvey records a response, which stops the reminder if it comes
// before the reminder is due (PR-12). A survey not yet delivered, or
// already answered, is a 409.
func respondSurvey(r *emulators.ResourceRequest, s *State) (any, error) {
	i, sv, err := s.survey(r.Param("id"))
	if err != nil {
		return nil, err
	}
	var spec ResponseSpec
	if err := r.Decode(&spec); err != nil {
		return nil, err
	}
	switch {
	case spec.Score == nil:
		return nil, emulators.BadRequest("score is required: an NPS score from 0 to 10")
	case *spec.Score < 0 || *spec.Score > 10:
		return nil, emulators.BadRequest("score must be from 0 to 10, not %d", *spec.Score)
	case sv.Response != nil:
		return nil, emulators.Conflict("survey %s was already answered at %s", sv.ID, sv.Response.RespondedAt.Format(time.RFC3339))
	case r.Now.Before(sv.ScheduledFor):
		return nil, emulators.Conflict("survey %s is not delivered yet: it is scheduled for %s", sv.ID, sv.ScheduledFor.Format(time.RFC3339))
	}
	sv.Response = &Response{Score: *spec.Score, Comment: spec.Comment, RespondedAt: r.Now}
	s.Surveys.respond(i, sv.Response)
	return sv.view(r.Now), nil
}

func getDailyLimit(r *emulators.ResourceRequest, s *State) (any, error) {
	return s.dailyLimitView(r.Now), nil
}

// LimitSpec sets the daily limit.
type LimitSpec struct {
	Limit *int `json:"limit"`
}

// setDailyLimit changes the limit; today's count is kept, so lowering the
// limit below it refuses the rest of the day.
func setDailyLimit(r *emulators.ResourceRequest, s *State) (any, error) {
	var spec LimitSpec
	if err := r.Decode(&spec); err != nil {
		return nil, err
	}
	if spec.Limit == nil {
		return nil, emulators.BadRequest("limit is required")
	}
	if err := checkLimit("limit", *spec.Limit); err != nil {
		return nil, err
	}
	s.DailyLimit = *spec.Limit
	return s.dailyLimitView(r.Now), nil
}

// The read views: declarations the platform pages and filters (see
// emulators.View).

var campaignsView = emulators.View[*State, *Campaign]{
	Path: "campaigns", Summary: "List Segment campaigns",
	Items: func(_ *emulators.ResourceRequest, s *State) ([]*Campaign, error) { return s.Campaigns, nil },
	Fields: map[string]func(*Campaign) string{
		"status":       func(c *Campaign) string { return string(c.Status) },
		"triggerEvent": func(c *Campaign) string { return c.TriggerEvent },
		"contactList":  func(c *Campaign) string { return c.ContactList },
	},
}

var contactListsView = emulators.View[*State, ContactListView]{
	Path: "contact-lists", Summary: "List contact lists",
	Items: func(_ *emulators.ResourceRequest, s *State) ([]ContactListView, error) {
		out := make([]ContactListView, len(s.ContactLists))
		for i, l := range s.ContactLists {
			out[i] = l.view()
		}
		return out, nil
	},
}

// contactsView answers contacts oldest first (ties by userId).
var contactsView = emulators.View[*State, ContactView]{
	Path: "contacts", Summary: "List contacts",
	Items:  func(r *emulators.ResourceRequest, s *State) ([]ContactView, error) { return contactsFor(r, s), nil },
	Fields: map[string]func(ContactView) string{"email": func(c ContactView) string { return c.Email }},
	Multi:  map[string]func(ContactView) []string{"list": func(c ContactView) []string { return c.Lists }},
}

// surveysView answers surveys in the order they were triggered, each as it
// stands at the clock's now.
var surveysView = emulators.View[*State, SurveyView]{
	Path: "surveys", Summary: "List surveys (from/to on triggeredAt)",
	Items: func(r *emulators.ResourceRequest, s *State) ([]SurveyView, error) {
		if r.Query.Has("contact") {
			rows := s.Surveys.ofContact(r.Query.Get("contact"))
			out := make([]SurveyView, len(rows))
			for k, i := range rows {
				sv := s.Surveys.at(i)
				out[k] = sv.view(r.Now)
			}
			return out, nil
		}
		out := make([]SurveyView, s.Surveys.Len())
		for i := range out {
			sv := s.Surveys.at(i)
			out[i] = sv.view(r.Now)
		}
		return out, nil
	},
	Fields: map[string]func(SurveyView) string{
		"campaign": func(v SurveyView) string { return v.Campaign },
		"contact":  func(v SurveyView) string { return v.Contact },
		"status":   func(v SurveyView) string { return string(v.Status) },
	},
	Values: map[string][]string{"status": {string(SurveyScheduled), string(SurveyDelivered), string(SurveyReminded), string(SurveyResponded)}},
	Time:   func(v SurveyView) time.Time { return v.TriggeredAt },
}

// customEventsView decodes only the events its filters read, and without
// a filter only its page; userId goes through the events' links.
var customEventsView = emulators.View[*State, CustomEvent]{
	Path: "custom-events", Summary: "List stored custom events (from/to on timestamp)",
	Stored: func(r *emulators.ResourceRequest, s *State) (emulators.Indexed[CustomEvent], error) {
		return customEventsFor(r, s), nil
	},
	Fields: map[string]func(CustomEvent) string{
		"event":  func(e CustomEvent) string { return e.Event },
		"userId": func(e CustomEvent) string { return e.UserID },
	},
	Time: func(e CustomEvent) time.Time { return e.Timestamp },
}
