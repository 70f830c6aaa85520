package client

import (
	"context"
	"net/http"
	"time"
)

// PromoterContact is a contact made by identify, with the lists it is on.
type PromoterContact struct {
	UserID     string         `json:"userId"`
	Email      string         `json:"email"`
	FirstName  string         `json:"firstName"`
	LastName   string         `json:"lastName"`
	Attributes map[string]any `json:"attributes"`
	CreatedAt  time.Time      `json:"createdAt"`
	UpdatedAt  time.Time      `json:"updatedAt"`
	Lists      []string       `json:"lists"`
}

// CreateCampaign creates a Segment campaign.
func (p *Promoter) CreateCampaign(ctx context.Context, spec PromoterCampaignSpec) (*PromoterCampaign, error) {
	return call[PromoterCampaign](ctx, p.c, http.MethodPost, p.path("campaigns"), spec)
}

// ActivateCampaign activates a campaign: a draft becomes ready.
func (p *Promoter) ActivateCampaign(ctx context.Context, id string) (*PromoterCampaign, error) {
	return call[PromoterCampaign](ctx, p.c, http.MethodPost, p.path("campaigns", id, "activate"), nil)
}

// Campaign reads a campaign.
func (p *Promoter) Campaign(ctx context.Context, id string) (*PromoterCampaign, error) {
	return call[PromoterCampaign](ctx, p.c, http.MethodGet, p.path("campaigns", id), nil)
}

// Campaigns lists campaigns; filters: status, triggerEvent, contactList.
func (p *Promoter) Campaigns(ctx context.Context, q Query) ([]PromoterCampaign, error) {
	return list[PromoterCampaign](ctx, p.c, p.path("campaigns"), q.Values())
}

// CreateContactList creates a contact list.
func (p *Promoter) CreateContactList(ctx context.Context, spec PromoterContactListSpec) (*PromoterContactList, error) {
	return call[PromoterContactList](ctx, p.c, http.MethodPost, p.path("contact-lists"), spec)
}

// ContactList reads a contact list.
func (p *Promoter) ContactList(ctx context.Context, id string) (*PromoterContactList, error) {
	return call[PromoterContactList](ctx, p.c, http.MethodGet, p.path("contact-lists", id), nil)
}

// ContactLists lists the contact lists.
func (p *Promoter) ContactLists(ctx context.Context) ([]PromoterContactList, error) {
	return list[PromoterContactList](ctx, p.c, p.path("contact-lists"), nil)
}

// Contact reads a contact by userId.
func (p *Promoter) Contact(ctx context.Context, userID string) (*PromoterContact, error) {
	return call[PromoterContact](ctx, p.c, http.MethodGet, p.path("contacts", userID), nil)
}

// Contacts lists contacts, oldest first; filters: email, list.
func (p *Promoter) Contacts(ctx context.Context, q Query) ([]PromoterContact, error) {
	return list[PromoterContact](ctx, p.c, p.path("contacts"), q.Values())
}

// Survey reads a survey.
func (p *Promoter) Survey(ctx context.Context, id string) (*PromoterSurvey, error) {
	return call[PromoterSurvey](ctx, p.c, http.MethodGet, p.path("surveys", id), nil)
}

// Surveys lists surveys in trigger order; filters: campaign, contact,
// status, from and to (RFC 3339, on triggeredAt).
func (p *Promoter) Surveys(ctx context.Context, q Query) ([]PromoterSurvey, error) {
	return list[PromoterSurvey](ctx, p.c, p.path("surveys"), q.Values())
}

// RespondSurvey records the contact's answer (score 0 to 10) to a delivered
// survey; a response before the reminder is due means no reminder.
func (p *Promoter) RespondSurvey(ctx context.Context, id string, score int, comment string) (*PromoterSurvey, error) {
	in := map[string]any{"score": score, "comment": comment}
	return call[PromoterSurvey](ctx, p.c, http.MethodPost, p.path("surveys", id, "response"), in)
}

// CustomEvents lists stored track events; filters: event, userId, from and
// to (RFC 3339, on the event time).
func (p *Promoter) CustomEvents(ctx context.Context, q Query) ([]PromoterCustomEvent, error) {
	return list[PromoterCustomEvent](ctx, p.c, p.path("custom-events"), q.Values())
}

// DailyLimit reads today's request count, the limit and when it resets.
func (p *Promoter) DailyLimit(ctx context.Context) (*PromoterDailyLimit, error) {
	return call[PromoterDailyLimit](ctx, p.c, http.MethodGet, p.path("daily-limit"), nil)
}

// SetDailyLimit sets the account's daily request limit.
func (p *Promoter) SetDailyLimit(ctx context.Context, limit int) (*PromoterDailyLimit, error) {
	return call[PromoterDailyLimit](ctx, p.c, http.MethodPut, p.path("daily-limit"), map[string]int{"limit": limit})
}
