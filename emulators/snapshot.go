package emulators

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/destemu/destemu/clock"
	"github.com/destemu/destemu/wire"
)

// SnapshotVersion is the version of the snapshot format this build writes
// and reads. A change that an older build could misread gets a new version.
const SnapshotVersion = 1

// Snapshot is all state of every namespace as one JSON document: what
// GET /_emulator/snapshot exports, PUT imports, and the state file holds.
//
// It keeps what a vendor keeps and what a test set up: accounts with their
// settings, config, keys and destination state, the messageIds applied in
// the last 24 hours (G-10) and each namespace's clock. It leaves out the
// request log and fault rules: the log is a record of traffic, not vendor
// state (and its bodies would make the document many times larger), and
// fault rules belong to the test that set them. An import therefore clears
// both, as a reset does.
type Snapshot struct {
	Version    int                 `json:"version"`
	Namespaces []NamespaceSnapshot `json:"namespaces"`
}

// NamespaceSnapshot is one namespace in a Snapshot.
type NamespaceSnapshot struct {
	Name string `json:"name"`
	// Clock is restored as it was: a frozen clock at the same instant (its
	// offset is written as zero), a running one with the same offset from
	// real time (its now is left out).
	Clock    clock.State       `json:"clock"`
	Accounts []AccountSnapshot `json:"accounts"`
	// Sources are the namespace's tracking API sources (left out when
	// there are none, so documents without sources read as before).
	Sources []Source `json:"sources,omitempty"`
}

// AccountSnapshot is one account in a Snapshot.
type AccountSnapshot struct {
	Destination string          `json:"destination"`
	ID          string          `json:"id"`
	Created     time.Time       `json:"created"`
	Settings    map[string]any  `json:"settings,omitempty"`
	Config      json.RawMessage `json:"config,omitempty"`
	Provisioned bool            `json:"provisioned,omitempty"`
	Keys        []wire.Key      `json:"keys"`
	// Seen maps each applied messageId to when it was applied (G-10), so
	// a retry after a restart is still answered as a duplicate.
	Seen map[string]time.Time `json:"seen,omitempty"`
	// State is the destination's own state, as json.Marshal writes it and
	// its LoadState reads it. When absent the account starts fresh, as a
	// reset leaves it: handy for a hand-written seed document.
	State json.RawMessage `json:"state,omitempty"`
}

// ParseSnapshot decodes a snapshot document. It reads the version first, so
// that a document of another version is refused by its version rather
// than by the first field this build does not know; the rest is decoded
// strictly, so a misspelt field is an error, not silently lost state.
func ParseSnapshot(data []byte) (Snapshot, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Snapshot{}, BadRequest("snapshot is empty; want a JSON object with \"version\": %d", SnapshotVersion)
	}
	if err := json.Unmarshal(data, &head); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n"))) {
			// What a write cut short (or a copy of one) looks like.
			return Snapshot{}, BadRequest("snapshot is truncated: it ends at byte %d in the middle of the document", len(data))
		}
		return Snapshot{}, BadRequest("snapshot is not a JSON object: %s", err)
	}
	if head.Version == nil {
		return Snapshot{}, BadRequest("snapshot: field \"version\" is required (this build reads version %d)", SnapshotVersion)
	}
	if *head.Version != SnapshotVersion {
		return Snapshot{}, BadRequest("snapshot version %d is not supported (this build reads version %d)", *head.Version, SnapshotVersion)
	}
	var s Snapshot
	if err := DecodeJSON(data, &s); err != nil {
		return Snapshot{}, BadRequest("snapshot: %s", err)
	}
	return s, nil
}

// snapshotNamespace is what WriteSnapshot takes of a namespace while
// nothing can change which accounts and keys exist.
type snapshotNamespace struct {
	name     string
	clock    clock.State
	accounts []*Account
	headers  []AccountSnapshot // each account's id, settings and keys; no state
	sources  []Source
}

// WriteSnapshot writes every namespace to out as one snapshot document, an
// account at a time, so that no more than one account's document is in
// memory whatever the size of the world. progress, when not nil, is called
// before each account is written (the server moves its write deadline
// there, so a client that stops reading is cut off).
//
// Which accounts and keys exist is taken first, in one short critical
// section during which accounts, namespaces and keys can neither be created
// nor deleted: the document then never holds a key in two accounts and
// always imports again. Each account's state is then copied under its own
// lock and marshalled after the lock is released, so a webhook waits for
// a copy of one account, never for a client reading the document or for
// the marshalling. An account deleted meanwhile is written as it was when
// the export began.
//
// It fails if out does, or if a destination's state cannot be written as
// JSON; out then holds part of a document.
func (w *World) WriteSnapshot(out io.Writer, progress func()) error {
	plan := w.snapshotPlan()
	sw := &snapshotWriter{out: out}
	sw.enc = json.NewEncoder(&sw.buf)
	sw.enc.SetEscapeHTML(false) // keep "<" and "&" in user data readable in the file
	sw.raw(`{"version":`)
	sw.value(SnapshotVersion)
	sw.raw(`,"namespaces":[`)
	for i, ns := range plan {
		if i > 0 {
			sw.raw(",")
		}
		sw.raw(`{"name":`)
		sw.value(ns.name)
		sw.raw(`,"clock":`)
		sw.value(ns.clock)
		sw.raw(`,"accounts":[`)
		for j, a := range ns.accounts {
			if progress != nil {
				progress()
			}
			if j > 0 {
				sw.raw(",")
			}
			if err := sw.account(a, ns.headers[j]); err != nil {
				return fmt.Errorf("namespace %q, %s account %q: %w", ns.name, a.dest, a.ID, err)
			}
		}
		sw.raw("]")
		if len(ns.sources) > 0 {
			sw.raw(`,"sources":`)
			sw.value(ns.sources)
		}
		sw.raw("}")
	}
	sw.raw("]}\n")
	return sw.err
}

// snapshotPlan lists every namespace with its accounts, their keys and
// sources, under the structure lock.
func (w *World) snapshotPlan() []snapshotNamespace {
	w.structure.Lock()
	defer w.structure.Unlock()
	var plan []snapshotNamespace
	for _, ns := range w.Namespaces() {
		sn := snapshotNamespace{name: ns.Name, clock: ns.Clock.State(), accounts: ns.allAccounts(), sources: w.Sources(ns)}
		// Only what Restore reads is written, so that an unchanged world
		// exports the same bytes every time (and an idle server does not
		// rewrite its state file): a frozen clock's instant, a running
		// clock's offset. The rest moves with real time by itself.
		if sn.clock.Frozen {
			sn.clock.Offset = 0
		} else {
			sn.clock.Now = time.Time{}
		}
		sn.headers = make([]AccountSnapshot, len(sn.accounts))
		for i, a := range sn.accounts {
			sn.headers[i] = a.snapshotHeader()
		}
		plan = append(plan, sn)
	}
	return plan
}

// snapshotWriter writes a document in pieces, keeping the first error.
type snapshotWriter struct {
	out io.Writer
	buf bytes.Buffer
	enc *json.Encoder
	err error
}

func (sw *snapshotWriter) raw(s string) {
	if sw.err == nil {
		_, sw.err = io.WriteString(sw.out, s)
	}
}

// value writes v as the encoder writes it, without its newline.
func (sw *snapshotWriter) value(v any) {
	if sw.err != nil {
		return
	}
	sw.buf.Reset()
	if sw.err = sw.enc.Encode(v); sw.err == nil {
		_, sw.err = sw.out.Write(bytes.TrimSuffix(sw.buf.Bytes(), []byte("\n")))
	}
}

// account writes one account: its header as AccountSnapshot's fields
// marshal, then its state, the last field, from a copy taken under the
// account's lock. Only this one account's document is in memory.
func (sw *snapshotWriter) account(a *Account, as AccountSnapshot) error {
	if sw.err != nil {
		return sw.err
	}
	state := a.snapshotContents(&as)
	sw.buf.Reset()
	if err := sw.enc.Encode(as); err != nil {
		return err
	}
	head := bytes.TrimSuffix(sw.buf.Bytes(), []byte("\n"))
	head = append(head[:len(head)-1], `,"state":`...) // as ends with "}"
	if _, sw.err = sw.out.Write(head); sw.err != nil {
		return sw.err
	}
	sw.buf.Reset()
	if err := sw.state(state); err != nil {
		sw.buf.Reset()
		return fmt.Errorf("writing the state: %w", err)
	}
	body := bytes.TrimSuffix(sw.buf.Bytes(), []byte("\n"))
	if _, sw.err = sw.out.Write(append(body, '}')); sw.err != nil {
		return sw.err
	}
	if sw.buf.Cap() > 64<<10 {
		sw.buf = bytes.Buffer{} // do not keep the largest account's document
	}
	return nil
}

// JSONAppender is a state that writes its own JSON: compact, characters
// left unescaped for HTML, as json.Encoder with SetEscapeHTML(false)
// writes a value. A snapshot appends it as it is, where a json.Marshaler's
// output must be compacted again, a second pass over all of it: a state
// that writes itself piece by piece (Connect's users with their events,
// decoded one user at a time, #18) is not written twice over.
type JSONAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// state writes an account's state (a copy) into buf.
func (sw *snapshotWriter) state(state any) error {
	ja, ok := state.(JSONAppender)
	if !ok {
		return sw.enc.Encode(state)
	}
	b, err := ja.AppendJSON(sw.buf.AvailableBuffer())
	sw.buf.Write(b)
	return err
}

// allAccounts lists every account of the namespace by destination and id.
func (ns *Namespace) allAccounts() []*Account {
	ns.mu.RLock()
	var out []*Account
	for _, byID := range ns.accounts {
		for _, a := range byID {
			out = append(out, a)
		}
	}
	ns.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].dest != out[j].dest {
			return out[i].dest < out[j].dest
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// snapshotHeader is the account without its state and seen ids.
func (a *Account) snapshotHeader() AccountSnapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	as := AccountSnapshot{Destination: a.dest, ID: a.ID, Created: a.created, Settings: a.settings,
		Config: a.config, Provisioned: a.provisioned, Keys: make([]wire.Key, len(a.keys))}
	for i, k := range a.keys {
		as.Keys[i] = k.Key
	}
	return as
}

// snapshotContents fills in the seen ids and returns a copy of the state
// that the caller may marshal without the lock.
func (a *Account) snapshotContents(as *AccountSnapshot) any {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := a.seen.len(); n > 0 {
		as.Seen = make(map[string]time.Time, n)
		a.seen.each(func(id string, at time.Time) { as.Seen[id] = at })
	}
	return copyForJSON(a.state)
}

// Restore replaces all state with the snapshot's: every namespace, account,
// key and clock. It checks the whole document and builds the new world
// aside first, so an invalid document (a bad version, an unknown
// destination, a key used twice, a state its destination refuses) returns
// a 400 *Error naming the namespace and account and changes nothing. Then
// it swaps everything in at once. Request logs are cleared but keep their
// ids counting and their waiters; fault rules start empty; a namespace the
// snapshot does not name is gone, except default, which always exists.
//
// A webhook in flight during the swap may be applied to the state being
// replaced and so be lost, exactly as if it had arrived just before.
func (w *World) Restore(s Snapshot) error {
	if s.Version != SnapshotVersion {
		return BadRequest("snapshot version %d is not supported (this build reads version %d)", s.Version, SnapshotVersion)
	}
	r := w.newRestorer()
	for i, nss := range s.Namespaces {
		ns, err := r.begin(i, nss.Name)
		if err != nil {
			return err
		}
		for j, as := range nss.Accounts {
			if err := r.account(i, ns, j, as); err != nil {
				return err
			}
		}
		if err := r.finish(i, ns, nss.Clock, nss.Sources); err != nil {
			return err
		}
	}
	r.swap()
	return nil
}

// restorer builds a new world generation aside, namespace by namespace;
// nothing is visible until swap.
type restorer struct {
	w       *World
	keys    *sync.Map // the new generation's key index
	sources map[string]*Source
	built   map[string]*Namespace
}

func (w *World) newRestorer() *restorer {
	return &restorer{w: w, keys: new(sync.Map), sources: make(map[string]*Source), built: make(map[string]*Namespace)}
}

// begin starts the i-th namespace of a document.
func (r *restorer) begin(i int, name string) (*Namespace, error) {
	if !ValidName(name) {
		return nil, BadRequest("snapshot: namespaces[%d]: namespace %q is not a valid name (1 to 64 letters, digits, '.', '_', '-')", i, name)
	}
	r.w.mu.RLock() // newNamespace reads the current generation
	ns := r.w.newNamespace(name)
	r.w.mu.RUnlock()
	ns.keys = r.keys
	return ns, nil
}

// account builds the j-th account of ns, the i-th namespace, and claims
// its keys.
func (r *restorer) account(i int, ns *Namespace, j int, as AccountSnapshot) error {
	a, err := r.w.restoreAccount(ns, as)
	return r.add(i, ns, j, as, a, err)
}

// add puts account j of namespace i, built from as by restoreAccount (a,
// err), into the namespace. Accounts are added in document order, so the
// first fault of a document is the one reported.
func (r *restorer) add(i int, ns *Namespace, j int, as AccountSnapshot, a *Account, err error) error {
	if err != nil {
		return BadRequest("snapshot: namespaces[%d]: namespace %q, accounts[%d] (%s account %q): %s", i, ns.Name, j, as.Destination, as.ID, err)
	}
	if ns.accounts[a.dest][a.ID] != nil {
		return BadRequest("snapshot: namespaces[%d]: namespace %q, accounts[%d]: %s account %q is given twice", i, ns.Name, j, as.Destination, as.ID)
	}
	if err := a.claimRestoredKeys(); err != nil {
		return BadRequest("snapshot: namespaces[%d]: namespace %q, accounts[%d] (%s account %q): %s", i, ns.Name, j, as.Destination, as.ID, err)
	}
	ns.addLocked(a) // ns is not shared yet
	return nil
}

// finish sets the namespace's clock and sources (a streamed document may
// give them after its accounts) and adds it to the generation.
func (r *restorer) finish(i int, ns *Namespace, clk clock.State, sources []Source) error {
	if clk.Frozen && clk.Now.IsZero() {
		return BadRequest("snapshot: namespaces[%d]: namespace %q: a frozen clock needs \"now\"", i, ns.Name)
	}
	ns.Clock.Restore(clk)
	if err := r.w.restoreSources(ns, sources, r.sources); err != nil {
		return BadRequest("snapshot: namespaces[%d]: namespace %q, %s", i, ns.Name, err)
	}
	if r.built[ns.Name] != nil {
		return BadRequest("snapshot: namespaces[%d]: namespace %q is given twice", i, ns.Name)
	}
	r.built[ns.Name] = ns
	return nil
}

// swap puts the built generation in place of the current one at once.
func (r *restorer) swap() {
	w, built := r.w, r.built
	w.structure.Lock()
	defer w.structure.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.keys.current.Store(r.keys) // before newNamespace, which takes the current generation
	if built[DefaultNamespace] == nil {
		built[DefaultNamespace] = w.newNamespace(DefaultNamespace)
	}
	for name, ns := range built {
		// Keep the log of a namespace that stays, so ids keep counting
		// and a test long-polling it is not left waiting on a log that
		// no request will reach.
		if old := w.namespaces[name]; old != nil {
			old.Log.Clear()
			ns.Log = old.Log
		}
	}
	w.namespaces = built
	w.sources.mu.Lock()
	w.sources.byKey = r.sources
	w.sources.mu.Unlock()
}

func (w *World) restoreAccount(ns *Namespace, as AccountSnapshot) (*Account, error) {
	reg, ok := w.emulators[as.Destination]
	if !ok {
		return nil, fmt.Errorf("unknown destination %q", as.Destination)
	}
	emu := reg.emu
	if !ValidName(as.ID) {
		return nil, errors.New("the id is not a valid name (1 to 64 letters, digits, '.', '_', '-')")
	}
	if err := ValidateSettings(reg.info.Settings, as.Settings); err != nil {
		return nil, fmt.Errorf("settings: %s", err)
	}
	a := &Account{ID: as.ID, dest: as.Destination, emu: emu, ns: ns, created: as.Created,
		settings: as.Settings, provisioned: as.Provisioned}
	if len(as.Config) > 0 && string(as.Config) != "null" {
		a.config = as.Config
	}
	// The config must still build a state: a reset of the account uses it.
	fresh, err := a.freshStateLocked()
	if err != nil {
		return nil, fmt.Errorf("config: %s", err)
	}
	a.state = fresh
	if len(as.State) > 0 && string(as.State) != "null" {
		if a.state, err = loadState(emu, as.State); err != nil {
			return nil, fmt.Errorf("state: %s", err)
		}
	}
	for j, k := range as.Keys {
		if k.Status == "" {
			k.Status = KeyActive // as when a key is created
		}
		switch {
		case k.Value == "":
			return nil, fmt.Errorf("keys[%d]: \"value\" is required", j)
		case k.Status != KeyActive && k.Status != KeyInactive && k.Status != KeyRevoked:
			return nil, fmt.Errorf("keys[%d]: status %q is not active, inactive or revoked", j, k.Status)
		}
		perm, err := permissionName(fmt.Sprintf("keys[%d].permission", j), k.Permission)
		if err != nil {
			return nil, fmt.Errorf("%s", err.(*Error).Message)
		}
		key := &Key{Key: wire.Key{Value: k.Value, Status: k.Status, Permission: perm}, account: a}
		a.keys = append(a.keys, key)
	}
	for id, t := range as.Seen {
		a.seen.put(id, t)
	}
	return a, nil
}

// claimRestoredKeys puts a restored account's keys in its generation's
// index; a key already there belongs to an earlier account of the document.
func (a *Account) claimRestoredKeys() error {
	for j, k := range a.keys {
		if prev, taken := a.ns.keys.LoadOrStore(keyIndex{a.dest, k.Value}, k); taken {
			other := prev.(*Key).account
			if other == a {
				return fmt.Errorf("keys[%d]: key %q is given twice", j, k.Value)
			}
			return fmt.Errorf("keys[%d]: key %q is also a key of %s account %q in namespace %q (keys are unique across the server)",
				j, k.Value, a.dest, other.ID, other.ns.Name)
		}
	}
	return nil
}

// loadState calls a destination's LoadState and turns a panic on a
// malformed document into an error: a state file is read before the server
// has any recovery, and a bad file must stop start-up with a message, not a
// crash.
func loadState(emu Emulator, data json.RawMessage) (st State, err error) {
	defer func() {
		if v := recover(); v != nil {
			st, err = nil, fmt.Errorf("the destination could not read this state: %v", v)
		}
	}()
	return emu.LoadState(data)
}
