// Package clock is the only source of time for destemu's behaviour code.
//
// Every namespace owns one Controlled clock. It runs with real time by
// default and can be frozen, set, advanced and resumed through the control
// plane, so a test can move a daily limit past midnight or a survey past its
// delivery delay without waiting. Time-based state is derived from the clock
// when it is read, so moving the clock needs no background work.
package clock

import (
	"fmt"
	"sync"
	"time"
)

// Clock tells the time. Behaviour code takes a Clock (or a time already read
// from one) and never calls time.Now itself.
type Clock interface {
	Now() time.Time
}

// Real is the machine's clock.
type Real struct{}

// Now returns the current UTC time.
func (Real) Now() time.Time { return time.Now().UTC() }

// Controlled is a clock that follows a base clock (normally Real) shifted by
// an offset, or stands still while frozen. It never moves backwards unless
// told to with Set. The zero value is not usable; use New.
type Controlled struct {
	base Clock

	mu     sync.RWMutex  // guards the fields below
	frozen bool          // whether the clock stands still
	at     time.Time     // the time while frozen
	offset time.Duration // added to base while running
}

// New returns a running clock that follows base (Real when nil).
func New(base Clock) *Controlled {
	if base == nil {
		base = Real{}
	}
	return &Controlled{base: base}
}

// State is a clock's state as the control plane shows it.
type State struct {
	// Now is left out of JSON when zero: a snapshot leaves it out for a
	// running clock, whose now follows from its offset.
	Now    time.Time `json:"now,omitzero"`
	Frozen bool      `json:"frozen"`
	// Offset is how far the clock is ahead of real time (negative: behind).
	Offset Duration `json:"offset"`
}

// Now returns the clock's current time in UTC.
func (c *Controlled) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.nowLocked()
}

func (c *Controlled) nowLocked() time.Time {
	if c.frozen {
		return c.at
	}
	return c.base.Now().Add(c.offset).UTC()
}

// State reports the clock's time, whether it is frozen, and its offset. The
// base clock is read once, so a running clock's offset is exact and a
// snapshot restores it without drift.
func (c *Controlled) State() State {
	c.mu.RLock()
	defer c.mu.RUnlock()
	base := c.base.Now()
	now := c.at
	if !c.frozen {
		now = base.Add(c.offset).UTC()
	}
	return State{Now: now, Frozen: c.frozen, Offset: Duration(now.Sub(base))}
}

// Freeze stops the clock at its current time.
func (c *Controlled) Freeze() State {
	c.mu.Lock()
	if !c.frozen {
		c.at, c.frozen = c.nowLocked(), true
	}
	c.mu.Unlock()
	return c.State()
}

// Set moves the clock to t. A frozen clock stays frozen at t; a running clock
// goes on running from t.
func (c *Controlled) Set(t time.Time) State {
	c.mu.Lock()
	if c.frozen {
		c.at = t.UTC()
	} else {
		c.offset = t.Sub(c.base.Now())
	}
	c.mu.Unlock()
	return c.State()
}

// Advance moves the clock forward by d, which must not be negative: time in
// destemu never runs backwards by accident.
func (c *Controlled) Advance(d time.Duration) (State, error) {
	if d < 0 {
		return State{}, fmt.Errorf("cannot advance the clock by a negative duration %s", d)
	}
	c.mu.Lock()
	if c.frozen {
		c.at = c.at.Add(d)
	} else {
		c.offset += d
	}
	c.mu.Unlock()
	return c.State(), nil
}

// Resume lets a frozen clock run again from where it stands: time flows at
// the real rate from the frozen instant on, so nothing already derived from
// the clock (a delivered survey, a passed midnight) is undone.
func (c *Controlled) Resume() State {
	c.mu.Lock()
	if c.frozen {
		c.offset = c.at.Sub(c.base.Now())
		c.frozen = false
	}
	c.mu.Unlock()
	return c.State()
}

// Reset returns the clock to real time, running, with no offset.
func (c *Controlled) Reset() State {
	c.mu.Lock()
	c.frozen, c.at, c.offset = false, time.Time{}, 0
	c.mu.Unlock()
	return c.State()
}

// Restore puts the clock in a state read earlier with State (used when a
// snapshot is imported). A frozen clock comes back at the same instant; a
// running one with the same offset from real time.
func (c *Controlled) Restore(s State) {
	c.mu.Lock()
	c.frozen = s.Frozen
	c.at = s.Now.UTC()
	c.offset = time.Duration(s.Offset)
	c.mu.Unlock()
}
