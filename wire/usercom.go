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

// UsercomUserOf is a User.com user profile: the fields the seed maps from
// traits and context, custom attributes, the page_views counter and
// last_seen. O holds the custom attributes (UC-8, UC-9).
type UsercomUserOf[O any] struct {
	// ID is the app's own number for the user (1, 2, ...).
	ID int64 `json:"id"`
	// UserID and AnonymousID are the identities the user was found by
	// (UC-4). A user created without a userId is found by its anonymousId.
	UserID      string `json:"user_id"`
	AnonymousID string `json:"anonymous_id"`

	// Standard traits (UC-5) and the address (UC-6).
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Phone     string `json:"phone"`
	Gender    string `json:"gender"`
	Country   string `json:"country"`
	Region    string `json:"region"`
	City      string `json:"city"`

	// Fields taken from the identify call's context (UC-7).
	UserAgent      string `json:"user_agent"`
	OS             string `json:"os"`
	DeviceName     string `json:"device_name"`
	DeviceType     string `json:"device_type"`
	Language       string `json:"language"`
	Resolution     string `json:"resolution"`
	IPAddress      string `json:"ip_address"`
	BrowserFamily  string `json:"browser_family"`
	BrowserVersion string `json:"browser_version"`
	Timezone       string `json:"timezone"`
	CurrentURL     string `json:"current_url"`

	Attributes O `json:"attributes"`

	// PageViews counts page calls; LastSeen is the newest page call's event
	// time (UC-10), nil before the first.
	PageViews int64      `json:"page_views"`
	LastSeen  *time.Time `json:"last_seen"`

	// Companies are the groupIds of the companies the user is a member of
	// (UC-12), in the order they were joined.
	Companies []string `json:"companies"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// UsercomUser is a user as the client reads it.
type UsercomUser = UsercomUserOf[Object]

// UsercomCompanyOf is a company profile created or updated by group calls
// (UC-12). MemberIDs are the member users' ids, in joining order; O holds
// the company attributes.
type UsercomCompanyOf[O any] struct {
	ID          int64  `json:"id"`
	GroupID     string `json:"group_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	// Employees is nil until a group call sends a number for it.
	Employees  *int64    `json:"employees"`
	Country    string    `json:"country"`
	Region     string    `json:"region"`
	City       string    `json:"city"`
	Attributes O         `json:"attributes"`
	MemberIDs  []int64   `json:"member_ids"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// UsercomCompany is a company as the client reads it.
type UsercomCompany = UsercomCompanyOf[Object]
