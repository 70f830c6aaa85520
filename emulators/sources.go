package emulators

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/destemu/destemu/wire"
)

// TrackingDestination is the name the request log and fault rules give
// Segment's tracking API (/v1/*), which sits in front of the destinations:
// a fault rule with match.destination "tracking" faults the tracking API.
const TrackingDestination = "tracking"

// OutcomeDropped marks a message the tracking API answered 200 but did not
// deliver anywhere (an unknown write key, a message the Spec refuses), as
// Segment's debugger shows it.
const OutcomeDropped = "dropped"

// Source is a Segment source of one namespace: a write key and the
// destinations it is connected to. A Source is never changed once stored:
// an update replaces it whole, so the tracking API reads one without a lock.
type Source struct {
	wire.Source

	ns *Namespace
}

// Connection connects a source to one destination: the API key Segment
// sends in Basic auth and the settings it sends in X-Segment-Settings.
type Connection = wire.Connection

// SourceSpec creates or replaces a source through the control plane.
type SourceSpec struct {
	WriteKey    string       `json:"writeKey"`
	Name        string       `json:"name,omitempty"`
	Connections []Connection `json:"connections,omitempty"`
}

// Namespace returns the namespace the source lives in.
func (s *Source) Namespace() *Namespace { return s.ns }

// View returns a copy of the source for the control plane and snapshots.
func (s *Source) View() Source {
	v := *s
	v.ns = nil
	v.Connections = make([]Connection, len(s.Connections))
	for i, c := range s.Connections {
		on := c.On()
		c.Enabled = &on
		v.Connections[i] = c
	}
	return v
}

// sourceIndex holds every source of every namespace by write key: write
// keys are unique across the server, because a real SDK cannot name a
// namespace and the write key alone must find it.
type sourceIndex struct {
	mu    sync.RWMutex // guards byKey; taken after Namespace.mu
	byKey map[string]*Source
}

func (x *sourceIndex) get(writeKey string) *Source {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.byKey[writeKey]
}

// Source finds a source by write key in any namespace (nil when unknown).
func (w *World) Source(writeKey string) *Source { return w.sources.get(writeKey) }

// Sources lists the namespace's sources by write key.
func (w *World) Sources(ns *Namespace) []Source {
	w.sources.mu.RLock()
	var out []Source
	for _, s := range w.sources.byKey {
		if s.ns == ns {
			out = append(out, s.View())
		}
	}
	w.sources.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].WriteKey < out[j].WriteKey })
	return out
}

// checkSource validates a spec against the destinations: a write key, known
// destinations, an API key on each connection, settings of the right names
// and types.
func (w *World) checkSource(spec SourceSpec) error {
	if spec.WriteKey == "" {
		return BadRequest("field \"writeKey\" is required")
	}
	if len(spec.WriteKey) > 256 || strings.ContainsAny(spec.WriteKey, "/:?#% \t\r\n") {
		return BadRequest("field \"writeKey\": %q must be at most 256 characters without '/', ':', '?', '#', '%%' or spaces", spec.WriteKey)
	}
	for i, c := range spec.Connections {
		reg, ok := w.emulators[c.Destination]
		if !ok {
			return BadRequest("field \"connections[%d].destination\": unknown destination %q", i, c.Destination)
		}
		if c.APIKey == "" {
			return BadRequest("field \"connections[%d].apiKey\" is required", i)
		}
		if err := ValidateSettings(reg.info.Settings, c.Settings); err != nil {
			return BadRequest("field \"connections[%d].settings\": %s", i, err)
		}
	}
	return nil
}

// PutSource creates a source, or replaces the one with the same write key in
// the same namespace (create false refuses that with 409). A write key used
// by another namespace is a 409 either way. Nothing changes on an error.
func (w *World) PutSource(ns *Namespace, spec SourceSpec, create bool) (Source, error) {
	if err := w.checkSource(spec); err != nil {
		return Source{}, err
	}
	src := &Source{Source: wire.Source{WriteKey: spec.WriteKey, Name: spec.Name, Created: ns.Clock.Now(),
		Connections: append([]Connection{}, spec.Connections...)}, ns: ns}
	w.structure.RLock()
	defer w.structure.RUnlock()
	ns.mu.RLock() // held across the insert, so a delete of ns cannot miss it
	defer ns.mu.RUnlock()
	if ns.deleted {
		return Source{}, NotFound("namespace %q was deleted", ns.Name)
	}
	w.sources.mu.Lock()
	defer w.sources.mu.Unlock()
	if prev := w.sources.byKey[spec.WriteKey]; prev != nil {
		switch {
		case prev.ns != ns:
			return Source{}, Conflict("write key %q is used by a source of another namespace (write keys are unique across the server)", spec.WriteKey)
		case create:
			return Source{}, Conflict("source %q already exists", spec.WriteKey)
		}
		src.Created = prev.Created
	} else if !create {
		return Source{}, NotFound("source %q does not exist in namespace %q", spec.WriteKey, ns.Name)
	}
	w.sources.byKey[spec.WriteKey] = src
	return src.View(), nil
}

// DeleteSource removes a source of the namespace.
func (w *World) DeleteSource(ns *Namespace, writeKey string) error {
	w.structure.RLock()
	defer w.structure.RUnlock()
	w.sources.mu.Lock()
	defer w.sources.mu.Unlock()
	if s := w.sources.byKey[writeKey]; s == nil || s.ns != ns {
		return NotFound("source %q does not exist in namespace %q", writeKey, ns.Name)
	}
	delete(w.sources.byKey, writeKey)
	return nil
}

// dropSources removes every source of a namespace (reset and delete).
func (w *World) dropSources(ns *Namespace) {
	w.sources.mu.Lock()
	defer w.sources.mu.Unlock()
	for k, s := range w.sources.byKey {
		if s.ns == ns {
			delete(w.sources.byKey, k)
		}
	}
}

// restoreSources builds the sources of a snapshot's namespace into byKey,
// checking them as the control plane would.
func (w *World) restoreSources(ns *Namespace, specs []Source, byKey map[string]*Source) error {
	for i, s := range specs {
		if err := w.checkSource(SourceSpec{WriteKey: s.WriteKey, Name: s.Name, Connections: s.Connections}); err != nil {
			return fmt.Errorf("sources[%d]: %s", i, err)
		}
		if prev := byKey[s.WriteKey]; prev != nil {
			return fmt.Errorf("sources[%d]: write key %q is also used in namespace %q (write keys are unique across the server)", i, s.WriteKey, prev.ns.Name)
		}
		src := s
		src.ns = ns
		src.Connections = append([]Connection{}, s.Connections...)
		byKey[s.WriteKey] = &src
	}
	return nil
}

// Tracking links the request log entries of the tracking API and the
// deliveries it made (see wire.Tracking).
type Tracking = wire.Tracking

// Fanout is what became of one message for one connection of its source.
type Fanout = wire.Fanout

// OutcomeSkipped is a Fanout of a message not delivered to a connection.
const OutcomeSkipped = "skipped"

// Fault applies the namespace's fault rules to a request of the tracking
// API, described by e (destination "tracking"). It records the fired rule
// in e.Fault and returns the answer that replaces the API's own (fired
// true), or only a delay for a latency rule (fired false).
func (ns *Namespace) Fault(e *Entry) (ans Answer, delay time.Duration, fired bool) {
	f := ns.Faults.match(e)
	if f == nil {
		return Answer{}, 0, false
	}
	e.Fault = f.describe()
	if f.action.Kind == FaultLatency {
		return Answer{}, f.delay, false
	}
	e.Outcome = OutcomeFaulted
	ans = faultAnswer(f)
	return ans, ans.Delay, true
}

// NewMessageID returns a messageId for a message that came without one,
// drawn from the namespace's seeded random source so that a run replays
// exactly with the same seed ("api-" and 32 hex digits, as Segment's API
// prefixes the ids it assigns).
func (ns *Namespace) NewMessageID() string {
	var b [16]byte
	ns.Faults.mu.Lock()
	for i := 0; i < len(b); i += 8 {
		v := ns.Faults.rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	ns.Faults.mu.Unlock()
	return "api-" + hex.EncodeToString(b[:])
}
