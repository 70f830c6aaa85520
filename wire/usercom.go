package wire

import "time"

// UsercomConfig is the vendor-side configuration of a User.com account
// (AccountSpec.Config): what an app admin sets up at app.user.com before
// Segment sends anything.
type UsercomConfig struct {
	// TrustedDomains are the app's domains (App settings > Advanced >
	// Domains, UC-3).
	TrustedDomains []string `json:"trusted_domains,omitempty"`
	// Attributes are attribute definitions (UC-9): user, company and event
	// attributes with their types.
	Attributes []UsercomAttributeSpec `json:"attributes,omitempty"`
}

// UsercomAttributeSpec defines an attribute: ContentType is user, company
// or event; Type is string, number, boolean, date or datetime.
type UsercomAttributeSpec struct {
	ContentType string `json:"content_type"`
	Name        string `json:"name"`
	Type        string `json:"type"`
}

// UsercomEvent is an event name the app knows, defined automatically on its
// first track call (UC-11).
type UsercomEvent struct {
	Name string `json:"name"`
	// Properties are the event attributes its occurrences have carried, in
	// first-seen order.
	Properties  []string  `json:"properties"`
	Occurrences int64     `json:"occurrences"`
	CreatedAt   time.Time `json:"created_at"`
}

// UsercomPageView is one recorded page call (UC-10). User is the user's id.
type UsercomPageView struct {
	ID          int64     `json:"id"`
	User        int64     `json:"user"`
	UserID      string    `json:"user_id"`
	AnonymousID string    `json:"anonymous_id"`
	MessageID   string    `json:"message_id"`
	Name        string    `json:"name"`
	URL         string    `json:"url"`
	Path        string    `json:"path"`
	Title       string    `json:"title"`
	Timestamp   time.Time `json:"timestamp"`
}

// UsercomOccurrenceOf is one recorded track call (UC-11). User is the
// user's id; O holds the stored event attributes, converted per UC-9.
type UsercomOccurrenceOf[O any] struct {
	ID          int64  `json:"id"`
	Event       string `json:"event"`
	User        int64  `json:"user"`
	UserID      string `json:"user_id"`
	AnonymousID string `json:"anonymous_id"`
	MessageID   string `json:"message_id"`
	// Timestamp is the event time (G-8).
	Timestamp  time.Time `json:"timestamp"`
	Properties O         `json:"properties"`
}

// UsercomOccurrence is an occurrence as the client reads it.
type UsercomOccurrence = UsercomOccurrenceOf[Object]
