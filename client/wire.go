package client

import "github.com/destemu/destemu/wire"

// The types the control plane answers and takes are declared once, in
// package wire, and the server answers those very types; these are their
// names in the client, so a field renamed on one side is renamed on both.
type (
	// AccountSpec creates an account: its id, stored settings (used when a
	// request's X-Segment-Settings leaves one out), the destination's
	// vendor-side config, and its API keys.
	AccountSpec = wire.AccountSpec
	// KeySpec creates an API key: active with the "admin" permission unless
	// Active is false or Permission says otherwise.
	KeySpec = wire.KeySpec
	// Key is an API key: status active, inactive or revoked.
	Key = wire.Key
	// Account is an account as the control plane shows it.
	Account = wire.Account
	// Entry is one webhook request in the request log; its String writes it
	// on one line, for test failures.
	Entry = wire.Entry
	// NamespaceInfo describes a namespace.
	NamespaceInfo = wire.NamespaceInfoOf[ClockState]
	// Destination describes an emulated destination.
	Destination = wire.DestinationOf[map[string]any]
	// ServerInfo describes the server.
	ServerInfo = wire.ServerInfo

	// List is every list answer of the control plane: a page of items and how
	// many match in all.
	List[T any] = wire.List[T]

	// CountGroup is one group of RequestCounts.
	CountGroup = wire.CountGroup
	// Counts is the answer of RequestCounts.
	Counts = wire.Counts

	// FaultRule makes matching webhook requests of a namespace misbehave: for
	// the next Times matching requests (all when zero), each with Probability
	// (always when zero) drawn from the server's seeded random source.
	FaultRule = wire.FaultRule
	// FaultMatch selects requests; empty fields match all.
	FaultMatch = wire.FaultMatch
	// FaultAction is what a rule does. Durations are text: "250ms", "2s".
	FaultAction = wire.FaultActionOf[string]

	// Source is a tracking API source of a namespace: a write key and the
	// destinations it delivers to. An application's Segment SDK, pointed at
	// destemu with this write key, reaches these destinations as it would
	// through Segment (docs/tracking.md).
	Source = wire.Source
	// Connection connects a source to a destination: the API key Segment
	// sends in Basic auth, the settings it sends in X-Segment-Settings, and
	// whether it is enabled (true when nil).
	Connection = wire.Connection
	// Tracking links a tracking API message and its deliveries in the request
	// log: a delivery's entry names its Source; the tracking API's entry
	// (destination "tracking", same messageId) lists every connection's fate.
	Tracking = wire.Tracking
	// Fanout is what became of a message for one connection: delivered (the
	// delivery's request id, status and outcome) or "skipped" with the reason.
	Fanout = wire.Fanout

	// PromoterConfig is the config of a Promoter account (AccountSpec.Config):
	// a daily limit other than 50,000, contact lists and campaigns made with
	// the account.
	PromoterConfig = wire.PromoterConfig
	// PromoterCampaignSpec creates a Segment campaign. Name and TriggerEvent are
	// required; ContactList empty means the list "segment-list"; Distribution
	// empty means "instant"; Activate creates it ready instead of draft.
	PromoterCampaignSpec = wire.PromoterCampaignSpec
	// PromoterCampaign is a Segment campaign; Status is draft, ready or active.
	PromoterCampaign = wire.PromoterCampaign
	// PromoterContactListSpec creates a contact list (ID optional).
	PromoterContactListSpec = wire.PromoterContactListSpec
	// PromoterContactList is a contact list and the userIds on it, in the order
	// they joined.
	PromoterContactList = wire.PromoterContactList
	// PromoterSurvey is a survey as it stands at the namespace clock's now:
	// Status is scheduled, delivered, reminded or responded.
	PromoterSurvey = wire.PromoterSurvey
	// PromoterSurveyResponse is a contact's NPS answer.
	PromoterSurveyResponse = wire.PromoterSurveyResponse
	// PromoterCustomEvent is a stored track event.
	PromoterCustomEvent = wire.PromoterCustomEvent
	// PromoterDailyLimit is the account's request counter for the current UTC
	// day of the namespace clock.
	PromoterDailyLimit = wire.PromoterDailyLimit

	// StartdeliverConfig is the "config" of a Startdeliver account created with
	// CreateAccount: its custom fields, users and customers (customers get ids
	// 1, 2, ... in order), and for v2 the Segment app configuration.
	StartdeliverConfig = wire.StartdeliverConfig
	// StartdeliverCustomField is a user or customer custom field: Entity is
	// "user" or "customer", Type "text", "number", "date" or "boolean".
	StartdeliverCustomField = wire.StartdeliverCustomField
	// StartdeliverUserSpec creates a user.
	StartdeliverUserSpec = wire.StartdeliverUserSpec
	// StartdeliverCustomerSpec creates a customer.
	StartdeliverCustomerSpec = wire.StartdeliverCustomerSpec
	// StartdeliverUsageEvent is a page or track usage event; SegmentType is the
	// Segment call it came from (a screen is stored as a page).
	StartdeliverUsageEvent = wire.StartdeliverUsageEvent
	// StartdeliverSegmentApp is the v2 Segment app configuration.
	StartdeliverSegmentApp = wire.StartdeliverSegmentApp
	// StartdeliverTarget names a Startdeliver field and its type.
	StartdeliverTarget = wire.StartdeliverTarget
	// StartdeliverSource is a path in the Segment message.
	StartdeliverSource = wire.StartdeliverSource
	// StartdeliverMapping copies the message value at ExternalField into Field,
	// converted to Type.
	StartdeliverMapping = wire.StartdeliverMapping
	// StartdeliverAppCache is the cached copy of the configuration events read.
	StartdeliverAppCache = wire.StartdeliverAppCache

	// UsercomConfig is the vendor-side configuration of a User.com account, for
	// AccountSpec.Config: what an app admin sets up at app.user.com.
	UsercomConfig = wire.UsercomConfig
	// UsercomAttributeSpec defines an attribute: ContentType is user, company
	// or event; Type is string, number, boolean, date or datetime.
	UsercomAttributeSpec = wire.UsercomAttributeSpec
	// UsercomUser is a user profile.
	UsercomUser = wire.UsercomUser
	// UsercomCompany is a company profile; MemberIDs are users' ids.
	UsercomCompany = wire.UsercomCompany
	// UsercomEvent is an event definition.
	UsercomEvent = wire.UsercomEvent
	// UsercomOccurrence is one recorded track call. User is the user's id.
	UsercomOccurrence = wire.UsercomOccurrence
	// UsercomPageView is one recorded page call. User is the user's id.
	UsercomPageView = wire.UsercomPageView

	// ConnectEnvironment describes a Connect environment.
	ConnectEnvironment = wire.ConnectEnvironment
	// ConnectEventCount is one row of the events view: received in the last
	// 24 hours of the emulator clock, in all, and when the last one came.
	ConnectEventCount = wire.ConnectEventCount
)
