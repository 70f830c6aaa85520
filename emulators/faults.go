package emulators

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/destemu/destemu/clock"
	"github.com/destemu/destemu/wire"
)

// Fault kinds: what a matching rule does to a webhook request.
const (
	FaultStatus  = "status"  // answer a status with a message; nothing is applied
	FaultLatency = "latency" // apply the request as usual, answer after a delay
	FaultDrop    = "drop"    // close the connection without an answer; nothing is applied
	FaultTimeout = "timeout" // hold the request, then answer 504; nothing is applied
)

// FaultRule makes matching webhook requests misbehave, for the next Times
// matching requests (every one when zero), each with the given Probability
// (always when zero), drawn from the namespace's seeded random source so a
// run can be replayed exactly.
type FaultRule = wire.FaultRuleOf[clock.Duration]

// FaultMatch selects requests; empty fields match everything.
type FaultMatch = wire.FaultMatch

// FaultAction is what a rule does.
type FaultAction = wire.FaultActionOf[clock.Duration]

// faultStatuses are the statuses a status fault may answer: what a real
// vendor or the network in front of it answers.
var faultStatuses = map[int]bool{400: true, 401: true, 403: true, 404: true, 408: true, 409: true, 413: true,
	429: true, 500: true, 501: true, 502: true, 503: true, 504: true}

// maxFaultDelay bounds latency and timeouts, so a rule cannot hold a
// connection forever.
const maxFaultDelay = 5 * time.Minute

// validateRule checks a new rule and fills its defaults.
func validateRule(r *FaultRule) error {
	a := &r.Action
	switch a.Kind {
	case FaultStatus:
		if !faultStatuses[a.Status] {
			return BadRequest("field \"action.status\": %d is not a status a fault may answer (400-409, 413, 429, 500-504)", a.Status)
		}
		if a.Message == "" {
			a.Message = "fault injected: " + strings.ToLower(http.StatusText(a.Status))
		}
	case FaultLatency:
		if a.Latency <= 0 && a.Jitter <= 0 {
			return BadRequest("field \"action.latency\": a latency fault needs a latency or a jitter")
		}
	case FaultTimeout:
		if a.After == 0 {
			a.After = clock.Duration(10 * time.Second)
		}
		if a.Status == 0 {
			a.Status = http.StatusGatewayTimeout
		}
	case FaultDrop:
	default:
		return BadRequest("field \"action.kind\" must be status, latency, drop or timeout, not %q", a.Kind)
	}
	if a.Latency < 0 || a.Jitter < 0 || a.After < 0 || a.RetryAfter < 0 {
		return BadRequest("field \"action\": durations must not be negative")
	}
	if time.Duration(a.Latency+a.Jitter) > maxFaultDelay || time.Duration(a.After) > maxFaultDelay {
		return BadRequest("field \"action\": delays are limited to %s", maxFaultDelay)
	}
	if r.Times < 0 {
		return BadRequest("field \"times\" must not be negative")
	}
	if r.Probability < 0 || r.Probability > 1 {
		return BadRequest("field \"probability\" must be between 0 and 1")
	}
	if r.Match.Type != "" {
		r.Match.Type = strings.ToLower(r.Match.Type)
	}
	r.Remaining, r.Applied = r.Times, 0
	return nil
}

// Faults are a namespace's fault rules and its seeded random source.
type Faults struct {
	seed uint64

	mu    sync.Mutex // guards the fields below
	rules []*FaultRule
	next  int
	rng   *rand.Rand
}

// newFaults seeds the namespace's source from the server seed and the
// namespace's name, so each namespace replays on its own.
func newFaults(seed uint64, namespace string) *Faults {
	h := fnv.New64a()
	h.Write([]byte(namespace))
	f := &Faults{seed: seed ^ h.Sum64()}
	f.rng = rand.New(rand.NewPCG(f.seed, 0x64657374656d75))
	return f
}

// Add validates and adds a rule, giving it the next id.
func (f *Faults) Add(r FaultRule) (FaultRule, error) {
	if err := validateRule(&r); err != nil {
		return FaultRule{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	r.ID = "fault-" + strconv.Itoa(f.next)
	f.rules = append(f.rules, &r)
	return r, nil
}

// List returns the rules in the order they are tried.
func (f *Faults) List() []FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultRule, len(f.rules))
	for i, r := range f.rules {
		out[i] = *r
	}
	return out
}

// Delete removes one rule.
func (f *Faults) Delete(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if r.ID == id {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
			return nil
		}
	}
	return NotFound("no fault rule %q", id)
}

// Clear removes every rule and reseeds the random source, so a run after a
// reset replays exactly.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules, f.next = nil, 0
	f.rng = rand.New(rand.NewPCG(f.seed, 0x64657374656d75))
}

// fault is a rule that fired for one request.
type fault struct {
	rule   string
	action FaultAction
	delay  time.Duration
}

// describe says what the fault did, for the request log.
func (f *fault) describe() string {
	switch f.action.Kind {
	case FaultStatus:
		return fmt.Sprintf("%s: answered %d", f.rule, f.action.Status)
	case FaultLatency:
		return fmt.Sprintf("%s: delayed %s", f.rule, f.delay)
	case FaultTimeout:
		return fmt.Sprintf("%s: held %s, answered %d", f.rule, f.delay, f.action.Status)
	}
	return fmt.Sprintf("%s: dropped the connection", f.rule)
}

// match finds the first rule that applies to a request and fires it.
func (f *Faults) match(e *Entry) *fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		m := &r.Match
		if (m.Destination != "" && m.Destination != e.Destination) ||
			(m.Account != "" && m.Account != e.Account) ||
			(m.Key != "" && m.Key != e.Key) ||
			(m.Type != "" && m.Type != e.Type) ||
			(m.Event != "" && m.Event != e.Event) ||
			(m.UserID != "" && m.UserID != e.UserID && m.UserID != e.AnonymousID) ||
			(r.Times > 0 && r.Remaining == 0) {
			continue
		}
		if r.Probability > 0 && f.rng.Float64() >= r.Probability {
			continue
		}
		r.Applied++
		if r.Times > 0 {
			r.Remaining--
		}
		fired := &fault{rule: r.ID, action: r.Action}
		switch r.Action.Kind {
		case FaultLatency:
			fired.delay = time.Duration(r.Action.Latency)
			if r.Action.Jitter > 0 {
				fired.delay += time.Duration(f.rng.Int64N(int64(r.Action.Jitter) + 1))
			}
		case FaultTimeout:
			fired.delay = time.Duration(r.Action.After)
		}
		return fired
	}
	return nil
}
