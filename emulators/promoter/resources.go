package promoter

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
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
		{Method: http.MethodGet, Path: "campaigns", Summary: "List Segment campaigns (filters: status, triggerEvent, contactList)", Handle: listCampaigns},
		{Method: http.MethodPost, Path: "campaigns", Summary: "Create a Segment campaign (draft, or ready with \"activate\": true)", Status: http.StatusCreated, Handle: createCampaign},
		{Method: http.MethodGet, Path: "campaigns/{id}", Summary: "Get a campaign", Handle: getCampaign},
		{Method: http.MethodPost, Path: "campaigns/{id}/activate", Summary: "Activate a campaign: draft becomes ready", Handle: activateCampaign},
		{Method: http.MethodGet, Path: "contact-lists", Summary: "List contact lists", Handle: listContactLists},
		{Method: http.MethodPost, Path: "contact-lists", Summary: "Create a contact list", Status: http.StatusCreated, Handle: createContactList},
		{Method: http.MethodGet, Path: "contact-lists/{id}", Summary: "Get a contact list", Handle: getContactList},
		{Method: http.MethodGet, Path: "contacts", Summary: "List contacts (filters: email, list)", Handle: listContacts},
		{Method: http.MethodGet, Path: "contacts/{userId}", Summary: "Get a contact by userId", Handle: getContact},
		{Method: http.MethodGet, Path: "surveys", Summary: "List surveys (filters: campaign, contact, status, from, to on triggeredAt)", Handle: listSurveys},
		{Method: http.MethodGet, Path: "surveys/{id}", Summary: "Get a survey", Handle: getSurvey},
		{Method: http.MethodPost, Path: "surveys/{id}/response", Summary: "Record the contact's response to a delivered survey", Handle: respondSurvey},
		{Method: http.MethodGet, Path: "custom-events", Summary: "List stored custom events (filters: event, userId, from, to on timestamp)", Handle: listCustomEvents},
		{Method: http.MethodGet, Path: "daily-limit", Summary: "Read today's request count, the daily limit and when it resets", Handle: getDailyLimit},
		{Method: http.MethodPut, Path: "daily-limit", Summary: "Set the account's daily request limit", Handle: setDailyLimit},
	}
}

// filters checks that the query names only known filters, so that a typo
// is a 400 rather than a silently unfiltered list.
func filters(q url.Values, known ...string) error {
	for name := range q {
		if !slices.Contains(known, name) {
			return emulators.BadRequest("unknown filter %q (want one of %s)", name, strings.Join(known, ", "))
		}
	}
	return nil
}

// match reports whether the filter name is absent or equals value.
func match(q url.Values, name, value string) bool {
	want, ok := q[name]
	return !ok || (len(want) > 0 && want[0] == value)
}

// timeRange reads the from/to filters, both inclusive.
type timeRange struct{ from, to time.Time }

func parseRange(q url.Values) (timeRange, error) {
	var tr timeRange
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &tr.from}, {"to", &tr.to}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return tr, emulators.BadRequest("filter %s: %q is not an RFC 3339 time", f.name, v)
		}
		*f.dst = t
	}
	return tr, nil
}

func (tr timeRange) contains(t time.Time) bool {
	return (tr.from.IsZero() || !t.Before(tr.from)) && (tr.to.IsZero() || !t.After(tr.to))
}

func listCampaigns(r *emulators.ResourceRequest, s *State) (any, error) {
	if err := filters(r.Query, "status", "triggerEvent", "contactList"); err != nil {
		return nil, err
	}
	var out []*Campaign
	for _, c := range s.Campaigns {
		if match(r.Query, "status", string(c.Status)) && match(r.Query, "triggerEvent", c.TriggerEvent) &&
			match(r.Query, "contactList", c.ContactList) {
			out = append(out, c)
		}
	}
	return emulators.ListAll(out), nil
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
	c.activate(r.Now)
	return c, nil
}

func listContactLists(r *emulators.ResourceRequest, s *State) (any, error) {
	if err := filters(r.Query); err != nil {
		return nil, err
	}
	return emulators.ListAll(s.ContactLists), nil
}

func createContactList(r *emulators.ResourceRequest, s *State) (any, error) {
	var spec ContactListSpec
	if err := r.Decode(&spec); err != nil {
		return nil, err
	}
	return s.addList(spec, "", r.Now)
}

func getContactList(r *emulators.ResourceRequest, s *State) (any, error) {
	l, ok := s.lists[r.Param("id")]
	if !ok {
		return nil, emulators.NotFound("contact list %q not found", r.Param("id"))
	}
	return l, nil
}

// listContacts answers contacts oldest first (ties by userId).
func listContacts(r *emulators.ResourceRequest, s *State) (any, error) {
	if err := filters(r.Query, "email", "list"); err != nil {
		return nil, err
	}
	var out []ContactView
	for _, c := range s.Contacts {
		if !match(r.Query, "email", c.Email) {
			continue
		}
		v := s.contactView(c)
		if match(r.Query, "list", "") || slices.Contains(v.Lists, r.Query.Get("list")) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b ContactView) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.UserID, b.UserID))
	})
	return emulators.ListAll(out), nil
}

func getContact(r *emulators.ResourceRequest, s *State) (any, error) {
	c, ok := s.Contacts[r.Param("userId")]
	if !ok {
		return nil, emulators.NotFound("contact %q not found", r.Param("userId"))
	}
	return s.contactView(c), nil
}

// listSurveys answers surveys in the order they were triggered, each as it
// stands at the clock's now.
func listSurveys(r *emulators.ResourceRequest, s *State) (any, error) {
	if err := filters(r.Query, "campaign", "contact", "status", "from", "to"); err != nil {
		return nil, err
	}
	tr, err := parseRange(r.Query)
	if err != nil {
		return nil, err
	}
	if st := r.Query.Get("status"); st != "" && !slices.Contains([]SurveyStatus{SurveyScheduled, SurveyDelivered, SurveyReminded, SurveyResponded}, SurveyStatus(st)) {
		return nil, emulators.BadRequest("filter status: %q is not a survey status (want scheduled, delivered, reminded or responded)", st)
	}
	candidates := s.Surveys
	if r.Query.Has("contact") {
		candidates = s.surveysByContact[r.Query.Get("contact")]
	}
	var out []SurveyView
	for _, sv := range candidates {
		if !match(r.Query, "campaign", sv.Campaign) || !match(r.Query, "contact", sv.Contact) || !tr.contains(sv.TriggeredAt) {
			continue
		}
		if v := sv.view(r.Now); match(r.Query, "status", string(v.Status)) {
			out = append(out, v)
		}
	}
	return emulators.ListAll(out), nil
}

func (s *State) survey(id string) (*Survey, error) {
	sv, ok := s.surveys[id]
	if !ok {
		return nil, emulators.NotFound("survey %q not found", id)
	}
	return sv, nil
}

func getSurvey(r *emulators.ResourceRequest, s *State) (any, error) {
	sv, err := s.survey(r.Param("id"))
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
	sv, err := s.survey(r.Param("id"))
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
	return sv.view(r.Now), nil
}

func listCustomEvents(r *emulators.ResourceRequest, s *State) (any, error) {
	if err := filters(r.Query, "event", "userId", "from", "to"); err != nil {
		return nil, err
	}
	tr, err := parseRange(r.Query)
	if err != nil {
		return nil, err
	}
	var out []*CustomEvent
	for _, ev := range s.CustomEvents {
		if match(r.Query, "event", ev.Event) && match(r.Query, "userId", ev.UserID) && tr.contains(ev.Timestamp) {
			out = append(out, ev)
		}
	}
	return emulators.ListAll(out), nil
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
