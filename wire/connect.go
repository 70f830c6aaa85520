package wire

import "time"

// ConnectEnvironment describes a Zendesk Connect environment (an account
// of the connect destination): its name (the account id when none was
// given), its public key, and how many users and events it holds.
type ConnectEnvironment struct {
	// ID is the account id.
	ID           string `json:"id"`
	Environment  string `json:"environment"`
	PublicAPIKey string `json:"publicApiKey"`
	Users        int    `json:"users"`
	Events       int64  `json:"events"`
}

// ConnectEventCount is one row of the events view (CN-10).
type ConnectEventCount struct {
	Name string `json:"name"`
	// Last24h counts events of this name received in the 24 hours up to
	// now on the emulator clock: after now-24h, not after now.
	Last24h int `json:"last24h"`
	// Total counts every event of this name the environment received.
	Total int `json:"total"`
	// LastReceivedAt is when the latest one arrived.
	LastReceivedAt time.Time `json:"lastReceivedAt"`
}
