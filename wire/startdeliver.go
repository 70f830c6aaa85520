package wire

import "time"

// StartdeliverConfig is the config of a Startdeliver account
// (AccountSpec.Config): what exists in Startdeliver before the first event
// arrives: custom fields, customers (ids 1, 2, ... in the order given, so
// users can name theirs), users, and for v2 the Segment app configuration.
type StartdeliverConfig struct {
	CustomFields []StartdeliverCustomField  `json:"customFields,omitempty"`
	Customers    []StartdeliverCustomerSpec `json:"customers,omitempty"`
	Users        []StartdeliverUserSpec     `json:"users,omitempty"`
	// SegmentApp is the v2 Segment app configuration; classic accounts
	// have none.
	SegmentApp *StartdeliverSegmentApp `json:"segmentApp,omitempty"`
}

// StartdeliverCustomField is a user or customer custom field, known by its
// alias (the name the Segment settings and the v2 configuration use):
// Entity is "user" or "customer", Type "text", "number", "date" or
// "boolean".
type StartdeliverCustomField struct {
	Alias  string `json:"alias"`
	Name   string `json:"name,omitempty"` // the label people see; the alias when empty
	Type   string `json:"type"`
	Entity string `json:"entity"`
}

// StartdeliverUserSpec creates a user, through the config or the control
// plane.
type StartdeliverUserSpec struct {
	Name         string         `json:"name,omitempty"`
	Email        string         `json:"email,omitempty"`
	Phone        string         `json:"phone,omitempty"`
	Title        string         `json:"title,omitempty"`
	CustomerID   int64          `json:"customerId,omitempty"`
	CustomFields map[string]any `json:"customFields,omitempty"`
}

// StartdeliverCustomerSpec creates a customer, through the config or the
// control plane.
type StartdeliverCustomerSpec struct {
	Name         string         `json:"name,omitempty"`
	CustomFields map[string]any `json:"customFields,omitempty"`
}

// StartdeliverSegmentApp is the v2 "Segment app configuration in your
// Startdeliver account" (startdeliver-v2.txt): whether identify and group
// calls are parsed, and the matching and mapping object.
type StartdeliverSegmentApp struct {
	IdentifyEnabled bool `json:"identifyEnabled"`
	GroupEnabled    bool `json:"groupEnabled"`
	// StartdeliverMatchingField is the user field identify matches on; its
	// value comes from the message at ExternalMatchingField.
	StartdeliverMatchingField *StartdeliverTarget `json:"startdeliverMatchingField,omitempty"`
	ExternalMatchingField     *StartdeliverSource `json:"externalMatchingField,omitempty"`
	// StartdeliverCustomerField is the customer field identify and group
	// match on; its value comes from the message at ExternalCustomerField.
	StartdeliverCustomerField *StartdeliverTarget   `json:"startdeliverCustomerField,omitempty"`
	ExternalCustomerField     *StartdeliverSource   `json:"externalCustomerField,omitempty"`
	UserMapping               []StartdeliverMapping `json:"userMapping"`
	CustomerMapping           []StartdeliverMapping `json:"customerMapping"`
}

// StartdeliverTarget names a Startdeliver field and the type values are
// converted to before they are matched or stored.
type StartdeliverTarget struct {
	Field string `json:"field"`
	Type  string `json:"type"`
}

// StartdeliverSource is a path in the Segment message (the S2-4 path
// language).
type StartdeliverSource struct {
	Field string `json:"field"`
}

// StartdeliverMapping copies the value at ExternalField in the message
// into Field, converted to Type (S2-7, S2-10).
type StartdeliverMapping struct {
	Field         string `json:"field"`
	ExternalField string `json:"externalField"`
	Type          string `json:"type"`
}

// StartdeliverAppCache is the cached copy of the v2 configuration that
// events read, and when it goes stale.
type StartdeliverAppCache struct {
	Cached    bool       `json:"cached"`
	ReadAt    *time.Time `json:"readAt,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// Fresh reports whether events at the clock's now use this copy.
	Fresh         bool                    `json:"fresh"`
	Configuration *StartdeliverSegmentApp `json:"configuration,omitempty"`
}

// StartdeliverUsageEventOf is a page or track usage event attached to a
// user and, when the user belonged to a customer at that time, to that
// customer (SD-6). Type is page or track; SegmentType the Segment call it
// came from (a screen is stored as a page); O holds its properties.
type StartdeliverUsageEventOf[O any] struct {
	ID          int64     `json:"id"`
	Type        string    `json:"type"`
	SegmentType string    `json:"segmentType"`
	Name        string    `json:"name"`
	Properties  O         `json:"properties"`
	Timestamp   time.Time `json:"timestamp"` // the event time (G-8)
	Received    time.Time `json:"received"`  // the emulator clock on arrival
	UserID      int64     `json:"userId"`
	CustomerID  int64     `json:"customerId,omitempty"`
	MessageID   string    `json:"messageId,omitempty"`
}

// StartdeliverUsageEvent is a usage event as the client reads it.
type StartdeliverUsageEvent = StartdeliverUsageEventOf[Object]
