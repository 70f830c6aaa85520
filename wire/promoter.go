package wire

import "time"

// PromoterConfig is the vendor-side config of a Promoter account
// (AccountSpec.Config): a daily limit other than 50,000 (PR-13), contact
// lists and campaigns made with the account, in order, so that a campaign
// may name a list made above it.
type PromoterConfig struct {
	DailyLimit   *int                      `json:"dailyLimit,omitempty"`
	ContactLists []PromoterContactListSpec `json:"contactLists,omitempty"`
	Campaigns    []PromoterCampaignSpec    `json:"campaigns,omitempty"`
}

// PromoterContactListSpec creates a contact list; ID is optional (the
// emulator numbers the lists it names itself).
type PromoterContactListSpec struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// PromoterCampaignSpec creates a Segment campaign (seed, "Setting up your
// Segment campaign", steps 1 to 9). Name and TriggerEvent are required.
type PromoterCampaignSpec struct {
	// ID is optional; the emulator numbers campaigns it names itself.
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	// TriggerEvent is the track event name that triggers a survey; it is
	// compared exactly, as Segment event names are case-sensitive.
	TriggerEvent string `json:"triggerEvent"`
	// EmailTemplate defaults to "default".
	EmailTemplate string `json:"emailTemplate,omitempty"`
	// ContactList is the id of an existing list; empty means the list
	// "segment-list" ("Segment List"), created when missing.
	ContactList string `json:"contactList,omitempty"`
	// Distribution must be "instant" (the default).
	Distribution      string `json:"distribution,omitempty"`
	ReminderDays      int    `json:"reminderDays,omitempty"`
	ForwardingEmail   string `json:"forwardingEmail,omitempty"`
	DeliveryDelayDays int    `json:"deliveryDelayDays,omitempty"`
	ThrottleDays      int    `json:"throttleDays,omitempty"`
	// Activate creates the campaign already activated (status ready), as if
	// "Activate Campaign" had been clicked.
	Activate bool `json:"activate,omitempty"`
}

// PromoterCampaign is a Segment campaign: a track event named TriggerEvent
// surveys the identified contact (PR-6). Status is draft until activated,
// ready once activated (it then accepts Segment events), active after its
// first matching track event (PR-8).
type PromoterCampaign struct {
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	TriggerEvent      string     `json:"triggerEvent"`
	EmailTemplate     string     `json:"emailTemplate"`
	ContactList       string     `json:"contactList"`
	Distribution      string     `json:"distribution"`
	ReminderDays      int        `json:"reminderDays"`
	ForwardingEmail   string     `json:"forwardingEmail,omitempty"`
	DeliveryDelayDays int        `json:"deliveryDelayDays"`
	ThrottleDays      int        `json:"throttleDays"`
	Status            string     `json:"status"`
	CreatedAt         time.Time  `json:"createdAt,omitzero"`
	ActivatedAt       *time.Time `json:"activatedAt"`
	// ActiveSince is when the first matching track event arrived.
	ActiveSince *time.Time `json:"activeSince"`
}

// PromoterSurvey is a survey as it stands at the namespace clock's now:
// Status is scheduled, delivered, reminded or responded.
type PromoterSurvey struct {
	ID           string     `json:"id"`
	Campaign     string     `json:"campaign"`
	Contact      string     `json:"contact"`
	Email        string     `json:"email"`
	TriggeredAt  time.Time  `json:"triggeredAt"`
	ScheduledFor time.Time  `json:"scheduledFor"`
	DeliveredAt  *time.Time `json:"deliveredAt"`
	// ReminderDueAt is when an unanswered survey gets its reminder; null
	// when the campaign has no reminder.
	ReminderDueAt *time.Time              `json:"reminderDueAt"`
	RemindedAt    *time.Time              `json:"remindedAt"`
	Responded     bool                    `json:"responded"`
	Response      *PromoterSurveyResponse `json:"response,omitempty"`
	Status        string                  `json:"status"`
}

// PromoterSurveyResponse is a contact's NPS answer to a survey, recorded
// through the control plane (Promoter's contacts answer by email, outside
// Segment).
type PromoterSurveyResponse struct {
	Score       int       `json:"score"`
	Comment     string    `json:"comment,omitempty"`
	RespondedAt time.Time `json:"respondedAt"`
}

// PromoterDailyLimit is an account's request counter for the current UTC
// day of the namespace clock (PR-13).
type PromoterDailyLimit struct {
	// Date is the UTC day counted (2006-01-02).
	Date      string    `json:"date"`
	Count     int       `json:"count"`
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	ResetsAt  time.Time `json:"resetsAt"`
	// RetryAfterSeconds is what a refused request is told to wait now.
	RetryAfterSeconds int64 `json:"retryAfterSeconds"`
}

// PromoterCustomEventOf is a stored track event (PR-5); O holds its
// properties.
type PromoterCustomEventOf[O any] struct {
	ID          string `json:"id"`
	Event       string `json:"event"`
	UserID      string `json:"userId,omitempty"`
	AnonymousID string `json:"anonymousId,omitempty"`
	MessageID   string `json:"messageId,omitempty"`
	Properties  O      `json:"properties"`
	// Timestamp is the event time (G-8); ReceivedAt the clock at arrival.
	Timestamp  time.Time `json:"timestamp"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// PromoterCustomEvent is a custom event as the client reads it.
type PromoterCustomEvent = PromoterCustomEventOf[Object]

// PromoterContactList is a list contacts join when a campaign surveys them
// (the seed: "As you survey contacts, this is where they'll be added"):
// its contacts are userIds, in the order they joined.
type PromoterContactList struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	Contacts  []string  `json:"contacts"`
}
