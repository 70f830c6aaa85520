package emulators

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/destemu/destemu/clock"
	"github.com/destemu/destemu/wire"
)

// DefaultNamespace always exists; auto-provisioned accounts go there.
const DefaultNamespace = "default"

// DefaultLogBodyBytes is how many bytes of request bodies a namespace's log
// keeps by default: the bodies of about a thousand typical 1 KB messages.
const DefaultLogBodyBytes = 1 << 20

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidName reports whether s may name a namespace or an account: 1 to 64
// letters, digits, '.', '_' or '-', starting with a letter or digit.
func ValidName(s string) bool { return namePattern.MatchString(s) }

// KeyStatus is the state of an API key (wire.Key.Status).
type KeyStatus = string

// Key states. Inactive keys answer 401 (SD-2), revoked ones 403 (G-12).
const (
	KeyActive   KeyStatus = "active"
	KeyInactive KeyStatus = "inactive"
	KeyRevoked  KeyStatus = "revoked"
)

// The permission names an API key may have (SD-2), stored lower-case and
// given in any casing. PermissionAdmin is the one Startdeliver requires and
// the one keys get unless told otherwise.
const (
	PermissionAdmin = "admin"
	PermissionWrite = "write"
	PermissionRead  = "read"
)

// permissionName reads a permission name in any casing ("Admin" is admin)
// and returns its stored form, or a 400 naming field and the valid names.
func permissionName(field, s string) (string, error) {
	switch p := strings.ToLower(strings.TrimSpace(s)); p {
	case "":
		return PermissionAdmin, nil
	case PermissionAdmin, PermissionWrite, PermissionRead:
		return p, nil
	}
	return "", BadRequest("field %q: permission %q is not one of admin, write, read", field, s)
}

// Key is an API key of one account.
type Key struct {
	wire.Key
	account *Account
}

// Config configures a World.
type Config struct {
	// Emulators are the destinations, in the order the control plane lists
	// them.
	Emulators []Emulator
	// Strict refuses unknown keys with 401 instead of provisioning (G-11).
	Strict bool
	// LogCapacity bounds each namespace's request log (1000 when zero).
	LogCapacity int
	// LogBodyBytes bounds the bytes of request bodies each namespace's log
	// keeps, the newest first (DefaultLogBodyBytes when zero, no bound when
	// negative).
	LogBodyBytes int
	// Retention bounds the events each account stores.
	Retention Retention
	// MaxNamespaces bounds how many namespaces exist at once, the default
	// one included (no bound when zero): a namespace beyond it is refused
	// with 503 whether a webhook or the control plane asks for it.
	MaxNamespaces int
	// Clock is the base clock namespace clocks follow (clock.Real when nil).
	Clock clock.Clock
	// RandomSeed seeds every namespace's random source (fault
	// probabilities and jitter), so a run can be replayed exactly.
	RandomSeed uint64
}

// World is every namespace of one server: the emulators, the accounts, the
// keys and the request logs. Two Worlds share nothing.
//
// Lock order. Four levels of locks guard the world; a goroutine holding one
// only ever takes a lock of a later level:
//
//  1. World.structure (which accounts and keys exist; written by Snapshot
//     and Restore)
//  2. World.mu (the namespaces map and the key index generation)
//  3. Namespace.mu (a namespace's accounts)
//  4. Account.mu (an account's keys, settings, messageIds and state; every
//     webhook and every destination method runs under it)
//
// Below them, the request log, the fault rules and the clocks each have
// their own lock, taken last and never held while taking another. A webhook
// with a known key takes only level 4, then the log's lock after
// releasing it.
type World struct {
	cfg       Config
	emulators map[string]registered
	// keys indexes every key of every namespace by destination and value,
	// so a webhook finds its account (and namespace) without any lock
	// beyond the account's own. Restore swaps it whole, under mu, together
	// with namespaces.
	keys liveIndex
	// sources finds a tracking API source by write key (sources.go).
	sources sourceIndex

	// structure is held for reading by every change to which accounts and
	// keys exist, and for writing by Snapshot and Restore: a snapshot then
	// never shows a key in two accounts (one deleted, one created while it
	// was being taken), and an import never races a half-made account.
	// Webhooks with a known key never touch it.
	structure sync.RWMutex

	mu         sync.RWMutex // guards namespaces and the swap of keys
	namespaces map[string]*Namespace
}

type keyIndex struct{ dest, value string }

// liveIndex is the key index webhooks read. Each generation of the world
// (the one NewWorld makes, then one per Restore) has its own sync.Map, and
// every namespace claims keys in its own generation's map, so a change
// racing an import lands in the replaced generation and never leaves a key
// in the live index pointing at an account nobody can see.
type liveIndex struct{ current atomic.Pointer[sync.Map] }

// Load finds a key in the current generation.
func (l *liveIndex) Load(k keyIndex) (any, bool) { return l.current.Load().Load(k) }

// registered is an emulator with its Info, read once: the webhook path
// needs it on every request.
type registered struct {
	emu  Emulator
	info Info
}

// NewWorld returns a World with the default namespace.
func NewWorld(cfg Config) (*World, error) {
	if cfg.LogCapacity <= 0 {
		cfg.LogCapacity = 1000
	}
	if cfg.LogBodyBytes == 0 {
		cfg.LogBodyBytes = DefaultLogBodyBytes
	}
	if cfg.Retention.Events == 0 {
		cfg.Retention.Events = DefaultRetainEvents
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	w := &World{cfg: cfg, emulators: make(map[string]registered), namespaces: make(map[string]*Namespace)}
	w.keys.current.Store(new(sync.Map))
	w.sources.byKey = make(map[string]*Source)
	for _, e := range cfg.Emulators {
		info := e.Info()
		slug := info.Slug
		if !ValidName(slug) {
			return nil, fmt.Errorf("emulator slug %q is not a valid name", slug)
		}
		if _, dup := w.emulators[slug]; dup {
			return nil, fmt.Errorf("emulator %q registered twice", slug)
		}
		w.emulators[slug] = registered{emu: e, info: info}
	}
	w.namespaces[DefaultNamespace] = w.newNamespace(DefaultNamespace)
	return w, nil
}

// Emulators lists the destinations in registration order.
func (w *World) Emulators() []Emulator { return w.cfg.Emulators }

// Emulator returns the destination with the slug.
func (w *World) Emulator(slug string) (Emulator, bool) {
	r, ok := w.emulators[slug]
	return r.emu, ok
}

// Strict reports whether unknown keys are refused.
func (w *World) Strict() bool { return w.cfg.Strict }

// newNamespace makes a namespace of the current generation; call it with
// mu held (or before the world is shared).
func (w *World) newNamespace(name string) *Namespace {
	return &Namespace{
		Name:     name,
		Clock:    clock.New(w.cfg.Clock),
		Log:      NewLog(w.cfg.LogCapacity, w.cfg.LogBodyBytes),
		Faults:   newFaults(w.cfg.RandomSeed, name),
		accounts: make(map[string]map[string]*Account),
		keys:     w.keys.current.Load(),
	}
}

// Namespace returns the namespace, creating it when create is true.
func (w *World) Namespace(name string, create bool) (*Namespace, error) {
	if name == "" {
		name = DefaultNamespace
	}
	w.mu.RLock()
	ns := w.namespaces[name]
	w.mu.RUnlock()
	if ns != nil {
		return ns, nil
	}
	if !ValidName(name) {
		return nil, BadRequest("namespace %s is not a valid name (1 to 64 letters, digits, '.', '_', '-')", Quote(name))
	}
	if !create {
		return nil, NotFound("namespace %s does not exist", Quote(name))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if ns = w.namespaces[name]; ns == nil {
		if limit := w.cfg.MaxNamespaces; limit > 0 && len(w.namespaces) >= limit {
			return nil, Errorf(http.StatusServiceUnavailable, "namespace %s cannot be created: the server holds its limit of %d namespaces (--max-namespaces); delete one first", Quote(name), limit)
		}
		ns = w.newNamespace(name)
		w.namespaces[name] = ns
	}
	return ns, nil
}

// Namespaces lists the namespaces by name.
func (w *World) Namespaces() []*Namespace {
	w.mu.RLock()
	out := make([]*Namespace, 0, len(w.namespaces))
	for _, ns := range w.namespaces {
		out = append(out, ns)
	}
	w.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DeleteNamespace removes a namespace and everything in it. The default
// namespace cannot be deleted; it is reset instead.
func (w *World) DeleteNamespace(name string) error {
	if name == DefaultNamespace {
		return w.ResetNamespace(name)
	}
	w.mu.Lock()
	ns := w.namespaces[name]
	delete(w.namespaces, name)
	w.mu.Unlock()
	if ns == nil {
		return NotFound("namespace %s does not exist", Quote(name))
	}
	w.dropAccounts(ns, true)
	w.dropSources(ns)
	ns.Log.feed.closeAll() // its live viewers end instead of waiting forever
	return nil
}

// ResetNamespace removes every account, the request log entries and the
// fault rules of a namespace, reseeds its random source and returns its
// clock to real time.
func (w *World) ResetNamespace(name string) error {
	ns, err := w.Namespace(name, false)
	if err != nil {
		return err
	}
	w.dropAccounts(ns, false)
	w.dropSources(ns)
	ns.Log.Clear()
	ns.Faults.Clear()
	ns.Clock.Reset()
	return nil
}

// ResetAll deletes every namespace and empties the default one.
func (w *World) ResetAll() {
	for _, ns := range w.Namespaces() {
		_ = w.DeleteNamespace(ns.Name)
	}
}

func (w *World) dropAccounts(ns *Namespace, deleting bool) {
	w.structure.RLock()
	defer w.structure.RUnlock()
	ns.mu.Lock()
	all := ns.accounts
	ns.accounts = make(map[string]map[string]*Account)
	ns.deleted = ns.deleted || deleting
	ns.mu.Unlock()
	for _, byID := range all {
		for _, a := range byID {
			w.forgetKeys(a)
		}
	}
}

func (w *World) forgetKeys(a *Account) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range a.keys {
		a.ns.keys.CompareAndDelete(keyIndex{a.dest, k.Value}, k)
	}
	a.deleted = true
}

// Namespace is an isolated world inside one server: its own accounts in
// every destination, its own clock, request log and fault rules.
type Namespace struct {
	Name   string
	Clock  *clock.Controlled
	Log    *Log
	Faults *Faults

	mu       sync.RWMutex // guards accounts and deleted
	accounts map[string]map[string]*Account
	// deleted marks a namespace DeleteNamespace removed, so a create or a
	// provisioning that raced the delete cannot leave an account, and live
	// keys, in a namespace nobody can reach.
	deleted bool
	// keys is the key index of the world generation the namespace belongs
	// to (see liveIndex).
	keys *sync.Map
}

// Account is one vendor account (a Startdeliver tenant, a Connect
// environment, a User.com app) of one destination.
type Account struct {
	ID      string
	dest    string
	emu     Emulator
	ns      *Namespace
	created time.Time

	// header is the X-Segment-Settings header last decoded for the
	// account: Segment sends the same one with every request.
	header atomic.Pointer[decodedHeader]

	mu       sync.Mutex // guards everything below, and the state's contents
	settings map[string]any
	config   json.RawMessage
	state    State
	keys     []*Key
	seen     seenSet   // messageId → when applied (G-10)
	agedAt   time.Time // when stored events were last trimmed by age
	deleted  bool
	// provisioned marks an account made for an unknown key (G-11); a reset
	// provisions it again from its settings.
	provisioned bool
}

// Destination returns the account's destination slug.
func (a *Account) Destination() string { return a.dest }

// Namespace returns the namespace the account lives in.
func (a *Account) Namespace() *Namespace { return a.ns }

// AccountSpec creates an account through the control plane; its config is
// the JSON the destination's NewState decodes.
type AccountSpec = wire.AccountSpecOf[json.RawMessage]

// KeySpec creates an API key. Active defaults to true and Permission to
// "admin": a key works unless the test says otherwise.
type KeySpec = wire.KeySpec

// AccountView is an account as the control plane shows it.
type AccountView = wire.Account

// CreateAccount adds an account with its keys. Nothing is changed unless
// everything succeeds: a bad setting, config or a key already in use leaves
// the world as it was.
func (w *World) CreateAccount(ns *Namespace, dest string, spec AccountSpec) (AccountView, error) {
	reg, ok := w.emulators[dest]
	if !ok {
		return AccountView{}, NotFound("unknown destination %q", dest)
	}
	emu := reg.emu
	if !ValidName(spec.ID) {
		return AccountView{}, BadRequest("field \"id\": account id %s is not a valid name (1 to 64 letters, digits, '.', '_', '-')", Quote(spec.ID))
	}
	if err := ValidateSettings(reg.info.Settings, spec.Settings); err != nil {
		return AccountView{}, BadRequest("field \"settings\": %s", err)
	}
	keys, err := buildKeys(spec.Keys)
	if err != nil {
		return AccountView{}, err
	}
	cfg := spec.Config
	if len(cfg) == 0 || string(cfg) == "null" {
		cfg = nil
	}
	state, err := emu.NewState(cfg)
	if err != nil {
		return AccountView{}, configError(err)
	}
	now := ns.Clock.Now()
	stamp(state, now)
	a := &Account{ID: spec.ID, dest: dest, emu: emu, ns: ns, created: now,
		settings: spec.Settings, config: cfg, state: state, keys: keys}
	w.structure.RLock()
	defer w.structure.RUnlock()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.deleted {
		return AccountView{}, NotFound("namespace %q was deleted", ns.Name)
	}
	if _, dup := ns.accounts[dest][spec.ID]; dup {
		return AccountView{}, Conflict("account %q already exists in %s", spec.ID, dest)
	}
	if err := w.claimKeys(a); err != nil {
		return AccountView{}, err
	}
	ns.addLocked(a)
	return a.view(), nil
}

func configError(err error) error {
	if e, ok := err.(*Error); ok {
		return &Error{Status: e.Status, Message: "field \"config\": " + e.Message}
	}
	return BadRequest("field \"config\": %s", err)
}

func buildKeys(specs []KeySpec) ([]*Key, error) {
	keys := make([]*Key, 0, len(specs))
	seen := make(map[string]bool, len(specs))
	for i, ks := range specs {
		if ks.Value == "" {
			return nil, BadRequest("field \"keys[%d].value\" is required", i)
		}
		if seen[ks.Value] {
			return nil, BadRequest("field \"keys[%d].value\": key given twice", i)
		}
		seen[ks.Value] = true
		var err error
		if ks.Permission, err = permissionName(fmt.Sprintf("keys[%d].permission", i), ks.Permission); err != nil {
			return nil, err
		}
		keys = append(keys, newKey(ks))
	}
	return keys, nil
}

func newKey(ks KeySpec) *Key {
	k := &Key{Key: wire.Key{Value: ks.Value, Status: KeyActive, Permission: ks.Permission}}
	if ks.Active != nil && !*ks.Active {
		k.Status = KeyInactive
	}
	if k.Permission == "" {
		k.Permission = PermissionAdmin
	}
	return k
}

// claimKeys puts the account's keys in the index, all or none.
func (w *World) claimKeys(a *Account) error {
	for i, k := range a.keys {
		k.account = a
		if _, taken := a.ns.keys.LoadOrStore(keyIndex{a.dest, k.Value}, k); taken {
			for _, prev := range a.keys[:i] {
				a.ns.keys.CompareAndDelete(keyIndex{a.dest, prev.Value}, prev)
			}
			return Conflict("API key %s is already used by another %s account", Quote(k.Value), a.dest)
		}
	}
	return nil
}

func (ns *Namespace) addLocked(a *Account) {
	byID := ns.accounts[a.dest]
	if byID == nil {
		byID = make(map[string]*Account)
		ns.accounts[a.dest] = byID
	}
	byID[a.ID] = a
}

// Account finds an account of a destination in the namespace.
func (ns *Namespace) Account(dest, id string) (*Account, error) {
	ns.mu.RLock()
	a := ns.accounts[dest][id]
	ns.mu.RUnlock()
	if a == nil {
		return nil, NotFound("%s account %s does not exist in namespace %q", dest, Quote(id), ns.Name)
	}
	return a, nil
}

// Accounts lists a destination's accounts in the namespace by id.
func (ns *Namespace) Accounts(dest string) []*Account {
	ns.mu.RLock()
	out := make([]*Account, 0, len(ns.accounts[dest]))
	for _, a := range ns.accounts[dest] {
		out = append(out, a)
	}
	ns.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// DeleteAccount removes an account and its keys.
func (w *World) DeleteAccount(ns *Namespace, dest, id string) error {
	w.structure.RLock()
	defer w.structure.RUnlock()
	ns.mu.Lock()
	a := ns.accounts[dest][id]
	delete(ns.accounts[dest], id)
	ns.mu.Unlock()
	if a == nil {
		return NotFound("%s account %s does not exist in namespace %q", dest, Quote(id), ns.Name)
	}
	w.forgetKeys(a)
	return nil
}

// View returns the account as the control plane shows it.
func (a *Account) View() AccountView {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.view()
}

func (a *Account) view() AccountView {
	v := AccountView{ID: a.ID, Destination: a.dest, Namespace: a.ns.Name, Created: a.created,
		Settings: a.settings, Config: a.config, Keys: make([]wire.Key, len(a.keys)), Provisioned: a.provisioned}
	if v.Settings == nil {
		v.Settings = map[string]any{}
	}
	for i, k := range a.keys {
		v.Keys[i] = k.Key
	}
	return v
}

// Reset clears the account's data, keeping its id, keys and settings: the
// state goes back to what its creation config describes.
func (a *Account) Reset() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	state, err := a.freshStateLocked()
	if err != nil {
		return err
	}
	a.state, a.seen = state, seenSet{}
	return nil
}

func (a *Account) freshStateLocked() (State, error) {
	if a.provisioned {
		return a.emu.Provision(NewSettings(a.settings)), nil
	}
	s, err := a.emu.NewState(a.config)
	if err == nil {
		stamp(s, a.ns.Clock.Now())
	}
	return s, err
}

// Stamper is a state that dates the records its config made, as the
// control plane's routes date theirs (Promoter's config campaigns get
// createdAt and activatedAt). NewState has no clock; the platform calls
// Stamp with the namespace clock's now whenever it builds an account's
// state from its config: at creation and at a reset.
type Stamper interface{ Stamp(now time.Time) }

func stamp(s State, now time.Time) {
	if st, ok := s.(Stamper); ok {
		st.Stamp(now)
	}
}

// WithState runs f with the account's lock held and its state.
func (a *Account) WithState(f func(State) (any, error)) (any, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.deleted {
		return nil, NotFound("%s account %q was deleted", a.dest, a.ID)
	}
	return f(a.state)
}

// AddKey adds a key to the account.
func (w *World) AddKey(a *Account, ks KeySpec) (Key, error) {
	if ks.Value == "" {
		return Key{}, BadRequest("field \"value\" is required")
	}
	var err error
	if ks.Permission, err = permissionName("permission", ks.Permission); err != nil {
		return Key{}, err
	}
	k := newKey(ks)
	k.account = a
	w.structure.RLock()
	defer w.structure.RUnlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.deleted {
		return Key{}, NotFound("%s account %q was deleted", a.dest, a.ID)
	}
	if _, taken := a.ns.keys.LoadOrStore(keyIndex{a.dest, k.Value}, k); taken {
		return Key{}, Conflict("API key %s is already used by a %s account", Quote(k.Value), a.dest)
	}
	a.keys = append(a.keys, k)
	return *k, nil
}

// SetKeyStatus activates, deactivates or revokes one of the account's keys.
func (a *Account) SetKeyStatus(value string, status KeyStatus) (Key, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range a.keys {
		if k.Value == value {
			k.Status = status
			return *k, nil
		}
	}
	return Key{}, NotFound("%s account %q has no key %s", a.dest, a.ID, Quote(value))
}

// provision creates an account for an unknown key (G-11) in ns and returns
// its key, or the key another request provisioned first (created false), or
// nil when the namespace was deleted meanwhile or the key is already used in
// another namespace (keys are unique across the server).
func (w *World) provision(ns *Namespace, emu Emulator, dest, value string, s Settings) (key *Key, created bool) {
	a := &Account{dest: dest, emu: emu, ns: ns, created: ns.Clock.Now(), settings: s.Map(),
		state: emu.Provision(s), provisioned: true}
	k := newKey(KeySpec{Value: value})
	k.account = a
	a.keys = []*Key{k}
	w.structure.RLock()
	defer w.structure.RUnlock()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.deleted {
		return nil, false
	}
	a.ID = provisionedID(value)
	for i := 2; ns.accounts[dest][a.ID] != nil; i++ {
		a.ID = fmt.Sprintf("%s-%d", provisionedID(value), i)
	}
	if prev, taken := ns.keys.LoadOrStore(keyIndex{dest, value}, k); taken {
		if prev.(*Key).account.ns != ns {
			return nil, false // the key lives in another namespace (G-13)
		}
		return prev.(*Key), false
	}
	ns.addLocked(a)
	return k, true
}

// provisionedID names an auto-provisioned account after its key when the key
// is a valid name, so a sandbox user finds "their" account at once; other
// keys get a short hash of the key.
func provisionedID(key string) string {
	if ValidName(key) && len(key) <= 48 {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "key-" + hex.EncodeToString(sum[:6])
}
