package client

// The control plane of one account of each destination: its state and
// vendor-side configuration, one view a destination.

// accountRef is one account of one destination, whose control plane (its
// state and vendor-side configuration) is under AccountPath(dest, account).
type accountRef struct {
	c       *Client
	dest    string
	account string
}

func (a accountRef) path(parts ...string) string { return AccountPath(a.dest, a.account, parts...) }

// Promoter is the control plane of one Promoter account: its Segment
// campaigns, contact lists and daily limit, and what the webhook built from
// identify and track (contacts, surveys, custom events).
type Promoter struct{ accountRef }

// Promoter returns the Promoter control plane of an account.
func (c *Client) Promoter(account string) *Promoter {
	return &Promoter{accountRef{c, "promoter", account}}
}

// Usercom is the control plane of one User.com app (an account of the
// usercom destination): its trusted domains, attribute definitions, users,
// companies, events and page views. Get one with Client.Usercom.
type Usercom struct{ accountRef }

// Usercom returns the control plane of the User.com app with this account id.
func (c *Client) Usercom(accountID string) *Usercom {
	return &Usercom{accountRef{c, "usercom", accountID}}
}

// ConnectAccount reads one Zendesk Connect environment (an account of the
// connect destination): its users, their events and the events view.
type ConnectAccount struct{ accountRef }

// Connect returns the control-plane views of the Connect environment with
// account id account.
func (c *Client) Connect(account string) *ConnectAccount {
	return &ConnectAccount{accountRef{c, "connect", account}}
}

// Startdeliver returns the control plane of a Startdeliver (classic)
// account: custom fields, users, customers, usage events.
func (c *Client) Startdeliver(account string) *StartdeliverAccount {
	return &StartdeliverAccount{accountRef{c, "startdeliver", account}}
}

// StartdeliverV2 returns the control plane of a Startdeliver-v2 account,
// which also has the Segment app configuration.
func (c *Client) StartdeliverV2(account string) *StartdeliverAccount {
	return &StartdeliverAccount{accountRef{c, "startdeliver-v2", account}}
}

// StartdeliverAccount is one Startdeliver or Startdeliver-v2 account's
// control plane.
type StartdeliverAccount struct{ accountRef }
