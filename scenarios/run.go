package scenarios

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/destemu/destemu/client"
)

// Options adjust a run.
type Options struct {
	// KeepNamespace leaves the run's namespace on the server after the
	// run, so its accounts, request log and clock can be looked at.
	KeepNamespace bool
}

// RunFile parses a file and runs it (see Run).
func RunFile(ctx context.Context, c *client.Client, path string) (Report, error) {
	s, err := ParseFile(path)
	if err != nil {
		return Report{Name: path, File: path, Result: Fail, Reason: err.Error()}, err
	}
	return Run(ctx, c, s)
}

// Run runs a scenario through c against any destemu server, in a fresh
// namespace of its own (its own accounts, request log and clock) that is
// deleted afterwards, so many runs, clock steps included, share one server.
//
// API keys are unique across a server, so Run sends each key NAME of the
// file as "NAME.<run>", unique to the run: two runs of one file never
// claim the same key. "${key:NAME}" in a string stands for that value (an
// account auto-provisioned for an unknown key is named after it), and
// "${namespace}" for the run's namespace.
//
// A step that fails ends the run: the steps after it are skipped, since
// they build on it. The error is for a scenario that could not run at all
// (the server unreachable, a destination it does not emulate); the
// report then says why too.
func Run(ctx context.Context, c *client.Client, s *Scenario) (Report, error) {
	return RunWith(ctx, c, s, Options{})
}

// RunWith is Run with options.
func RunWith(ctx context.Context, c *client.Client, s *Scenario, opts Options) (rep Report, err error) {
	start := time.Now()
	rep = Report{Name: s.Name, File: s.File, Result: Pass}
	defer func() {
		rep.Duration = time.Since(start)
		if err != nil {
			rep.Result, rep.Reason = Fail, err.Error()
		}
	}()
	info, err := c.Info(ctx)
	if err != nil {
		return rep, fmt.Errorf("%s: reading the server's destinations: %w", s.label(), err)
	}
	if err := s.Check(destinationSlugs(info)); err != nil {
		return rep, err
	}
	if why := s.unmet(info); why != "" {
		rep.Result, rep.Reason = Skip, why
		rep.Steps = s.skipAll(why)
		return rep, nil
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	suffix := hex.EncodeToString(rnd[:])
	ns := namespaceName(s.Name, suffix)
	if _, err := c.CreateNamespace(ctx, ns); err != nil {
		return rep, fmt.Errorf("%s: creating namespace %s: %w", s.label(), ns, err)
	}
	rep.Namespace = ns
	if !opts.KeepNamespace {
		defer func() {
			// The namespace goes even when the run was cancelled.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if derr := c.DeleteNamespace(dctx, ns); derr != nil && err == nil {
				err = fmt.Errorf("%s: deleting namespace %s: %w", s.label(), ns, derr)
			}
		}()
	}
	r := &runner{c: c.Namespace(ns), ns: ns, suffix: suffix}
	r.run(ctx, s, &rep)
	return rep, nil
}

// trackingDestination is the request log's name for the tracking API: a
// wait step may wait for its entries.
const trackingDestination = "tracking"

// Seed applies a scenario's setup (accounts, sources, then calls) in c's namespace,
// keys as written: what destemu --seed does at start, so a sandbox starts
// provisioned. Its steps are not run.
func Seed(ctx context.Context, c *client.Client, s *Scenario) error {
	info, err := c.Info(ctx)
	if err != nil {
		return fmt.Errorf("%s: reading the server's destinations: %w", s.label(), err)
	}
	if err := s.Check(destinationSlugs(info)); err != nil {
		return err
	}
	r := &runner{c: c, ns: c.NamespaceName()}
	if r.ns == "" {
		r.ns = "default"
	}
	for i := range s.Setup.Accounts {
		if err := r.account(ctx, &s.Setup.Accounts[i]); err != nil {
			return s.errAt(s.Setup.Accounts[i].line, "setup.accounts[%d]: %s", i+1, err)
		}
	}
	for i := range s.Setup.Sources {
		if err := r.source(ctx, &s.Setup.Sources[i]); err != nil {
			return s.errAt(s.Setup.Sources[i].line, "setup.sources[%d]: %s", i+1, err)
		}
	}
	for i := range s.Setup.Calls {
		if err := r.call(ctx, &s.Setup.Calls[i], nil); err != nil {
			return s.errAt(s.Setup.Calls[i].line, "setup.calls[%d]: %s", i+1, err)
		}
	}
	return nil
}

func (s *Scenario) label() string {
	if s.File != "" {
		return s.File
	}
	return s.Name
}

func (s *Scenario) errAt(line int, format string, args ...any) error {
	return &Error{File: s.File, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func destinationSlugs(info *client.ServerInfo) []string {
	out := make([]string, len(info.Destinations))
	for i, d := range info.Destinations {
		out[i] = d.Slug
	}
	return out
}

// unmet says why the server does not suit the scenario, or "".
func (s *Scenario) unmet(info *client.ServerInfo) string {
	if s.Requires != nil && s.Requires.Strict != nil && *s.Requires.Strict != info.Strict {
		if *s.Requires.Strict {
			return "requires a server in strict key mode (destemu --strict)"
		}
		return "requires a server in the default (provisioning) key mode, not --strict"
	}
	return ""
}

// Check reports the destinations the scenario names that are not among
// destinations (those a server emulates), with their lines.
func (s *Scenario) Check(destinations []string) error {
	var errs Errors
	known := make(map[string]bool, len(destinations))
	for _, d := range destinations {
		known[d] = true
	}
	check := func(dest string, line int) {
		if dest != "" && !known[dest] {
			errs = append(errs, &Error{File: s.File, Line: line,
				Msg: fmt.Sprintf("unknown destination %q (want %s%s)", dest, oneOf(destinations), hint(dest, destinations))})
		}
	}
	for _, a := range s.Setup.Accounts {
		check(a.Destination, a.line)
	}
	for _, src := range s.Setup.Sources {
		for _, c := range src.Connections {
			check(c.Destination, c.line)
		}
	}
	for _, st := range s.Steps {
		switch {
		case st.Send != nil:
			check(st.Send.Destination, st.Send.destLine)
		case st.Wait != nil && st.Wait.Destination != trackingDestination:
			check(st.Wait.Destination, st.Wait.destLine)
		case st.Revoke != nil, st.Activate != nil, st.Deactivate != nil:
			k := st.keyRef()
			check(k.Destination, k.destLine)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func (st *Step) keyRef() *KeyRef {
	switch {
	case st.Revoke != nil:
		return st.Revoke
	case st.Activate != nil:
		return st.Activate
	}
	return st.Deactivate
}

func (s *Scenario) skipAll(why string) []StepReport {
	out := make([]StepReport, 0, len(s.Steps))
	for i := range s.Steps {
		out = append(out, StepReport{Index: i + 1, Kind: s.Steps[i].Kind(), Name: s.Steps[i].Title(),
			Line: s.Steps[i].Line, Result: Skip, Message: why})
	}
	return out
}

// namespaceName names a run's namespace after its scenario: at most 64
// letters, digits, '.', '_' or '-'.
func namespaceName(scenario, suffix string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(scenario) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if s := b.String(); s != "" && !strings.HasSuffix(s, "-") {
				b.WriteByte('-')
			}
		}
	}
	slug := strings.Trim(b.String(), "-")
	if len(slug) > 40 {
		slug = strings.TrimRight(slug[:40], "-")
	}
	if slug == "" {
		slug = "run"
	}
	return "scenario-" + slug + "-" + suffix
}

// runner runs one scenario in one namespace.
type runner struct {
	c      *client.Client // scoped to the namespace
	ns     string
	suffix string // added to every key; "" keeps keys as written
}

// key is the value a key NAME of the file is sent as.
func (r *runner) key(name string) string {
	if r.suffix == "" || name == "" {
		return name
	}
	return name + "." + r.suffix
}

func (r *runner) vars(s string) string { return expandVars(s, r.ns, r.key) }

// json returns a value as JSON-able Go data, variables expanded.
func (r *runner) json(v Value) any {
	x, _ := v.Interface() // Parse checked that it converts
	return expand(x, r.vars)
}

func (r *runner) path(p string) string {
	p = r.vars(p)
	if !strings.HasPrefix(p, "/") {
		p = "/_emulator/" + p
	}
	return p
}

func (r *runner) query(q map[string]string) url.Values {
	if len(q) == 0 {
		return nil
	}
	v := make(url.Values, len(q))
	for k, s := range q {
		v.Set(k, r.vars(s))
	}
	return v
}

func (r *runner) run(ctx context.Context, s *Scenario, rep *Report) {
	failed := ""
	step := func(sr StepReport, f func() error) {
		if failed != "" {
			sr.Result, sr.Message = Skip, "skipped: "+failed
			rep.Steps = append(rep.Steps, sr)
			return
		}
		start := time.Now()
		err := f()
		sr.Duration = time.Since(start)
		sr.Result = Pass
		if err != nil {
			sr.Result, sr.Message = Fail, err.Error()
			failed = fmt.Sprintf("%s failed", sr.where())
			rep.Result = Fail
			if rep.Reason == "" {
				rep.Reason = fmt.Sprintf("%s: %s", sr.where(), err)
			}
		}
		rep.Steps = append(rep.Steps, sr)
	}
	for i := range s.Setup.Accounts {
		a := &s.Setup.Accounts[i]
		step(StepReport{Kind: "setup", Name: "account " + a.Destination + "/" + a.ID, Line: a.line},
			func() error { return r.account(ctx, a) })
	}
	for i := range s.Setup.Sources {
		src := &s.Setup.Sources[i]
		step(StepReport{Kind: "setup", Name: "source " + src.WriteKey, Line: src.line},
			func() error { return r.source(ctx, src) })
	}
	for i := range s.Setup.Calls {
		c := &s.Setup.Calls[i]
		step(StepReport{Kind: "setup", Name: c.title(), Line: c.line},
			func() error { return r.call(ctx, c, nil) })
	}
	for i := range s.Steps {
		st := &s.Steps[i]
		step(StepReport{Index: i + 1, Kind: st.Kind(), Name: st.Title(), Line: st.Line},
			func() error { return r.step(ctx, st) })
	}
}

func (r *runner) account(ctx context.Context, a *Account) error {
	spec := client.AccountSpec{ID: a.ID}
	if !a.Settings.IsZero() {
		spec.Settings, _ = r.json(a.Settings).(map[string]any)
	}
	if !a.Config.IsZero() {
		spec.Config = r.json(a.Config)
	}
	for _, k := range a.Keys {
		spec.Keys = append(spec.Keys, client.KeySpec{Value: r.key(k.Value), Active: k.Active, Permission: k.Permission})
	}
	_, err := r.c.CreateAccount(ctx, a.Destination, spec)
	return err
}

func (r *runner) step(ctx context.Context, st *Step) error {
	switch {
	case st.Send != nil:
		return r.send(ctx, st.Send, st.Expect)
	case st.Call != nil:
		return r.call(ctx, st.Call, st.Expect)
	case st.Assert != nil:
		return r.assert(ctx, st.Assert)
	case st.Wait != nil:
		return r.wait(ctx, st.Wait)
	case st.Clock != nil:
		return r.clock(ctx, st.Clock)
	case st.Revoke != nil:
		return r.keyStatus(ctx, st.Revoke, r.c.RevokeKey)
	case st.Activate != nil:
		return r.keyStatus(ctx, st.Activate, r.c.ActivateKey)
	case st.Deactivate != nil:
		return r.keyStatus(ctx, st.Deactivate, r.c.DeactivateKey)
	case st.Fault != nil:
		return r.fault(ctx, st.Fault)
	case st.Source != nil:
		return r.sourceSend(ctx, st.Source, st.Expect)
	}
	return errors.New("empty step")
}

// request builds the parts of a webhook request that stay the same across
// repeats.
func (r *runner) request(s *Send) client.RawRequest {
	var raw client.RawRequest
	switch {
	case s.Authorization != nil:
		raw.Authorization = r.vars(*s.Authorization)
	default:
		raw.Authorization = "Basic " + base64.StdEncoding.EncodeToString([]byte(r.key(s.Key)+":"+s.Password))
	}
	switch {
	case s.SettingsHeader != nil:
		raw.Settings = r.vars(*s.SettingsHeader)
	case !s.Settings.IsZero():
		b, _ := json.Marshal(r.json(s.Settings))
		raw.Settings = base64.StdEncoding.EncodeToString(b)
	}
	if len(s.Headers) > 0 {
		raw.Header = make(http.Header, len(s.Headers))
		for k, v := range s.Headers {
			raw.Header.Set(k, r.vars(v))
		}
	}
	if s.Body != nil {
		raw.Body = []byte(*s.Body)
	}
	return raw
}

// body returns one repeat's body: the message with a messageId of its own
// unless it names one, padded when asked to.
func (r *runner) body(s *Send) ([]byte, error) {
	m, _ := r.json(s.Message).(map[string]any)
	if _, ok := m["messageId"]; !ok {
		m["messageId"] = client.NewMessageID()
	}
	b, err := json.Marshal(m)
	if err != nil || len(b) >= s.PadTo {
		return b, err
	}
	const overhead = len(`,"padding":""`)
	m["padding"] = strings.Repeat("x", max(0, s.PadTo-len(b)-overhead))
	return json.Marshal(m)
}

func (r *runner) send(ctx context.Context, s *Send, exp *Expect) error {
	n := max(1, s.Repeat)
	base := r.request(s)
	one := func() (*client.Answer, error) {
		raw := base
		if s.Body == nil {
			b, err := r.body(s)
			if err != nil {
				return nil, err
			}
			raw.Body = b
		}
		return r.c.SendAnswer(ctx, s.Destination, raw)
	}
	counted := exp != nil && exp.Statuses != nil
	answers := make([]*client.Answer, n)
	if s.Parallel {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { answers[i], errs[i] = one() })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	for i := range n {
		if !s.Parallel {
			var err error
			if answers[i], err = one(); err != nil {
				return err
			}
		}
		if counted {
			continue
		}
		if err := r.checkAnswer(answers[i], exp, http.StatusOK); err != nil {
			return repeatError(err, i, n)
		}
	}
	if counted {
		return tally(answers, exp.Statuses)
	}
	return nil
}

func repeatError(err error, i, n int) error {
	if n == 1 {
		return err
	}
	return fmt.Errorf("answer %d of %d: %w", i+1, n, err)
}

// tally compares how many answers had each status with what was expected.
func tally(answers []*client.Answer, want map[int]int) error {
	got := map[int]int{}
	for _, a := range answers {
		got[a.Status]++
	}
	statuses := map[int]bool{}
	for s := range want {
		statuses[s] = true
	}
	for s := range got {
		statuses[s] = true
	}
	var diffs []string
	for _, s := range sortedInts(statuses) {
		if got[s] != want[s] {
			diffs = append(diffs, fmt.Sprintf("%d: want %d, got %d", s, want[s], got[s]))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("answers by status: %s", strings.Join(diffs, "; "))
	}
	return nil
}

func sortedInts(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// checkAnswer checks one answer against exp; without exp, or without a
// status in it, the status must be def (a 2xx when def is 0).
func (r *runner) checkAnswer(ans *client.Answer, exp *Expect, def int) error {
	want := def
	if exp != nil && exp.Status != 0 {
		want = exp.Status
	}
	if (want != 0 && ans.Status != want) || (want == 0 && (ans.Status < 200 || ans.Status > 299)) {
		w := strconv.Itoa(want)
		if want == 0 {
			w = "a 2xx"
		}
		return fmt.Errorf("want status %s, got %d: %s", w, ans.Status, brief(ans.Body))
	}
	if exp == nil {
		return nil
	}
	var got any
	jsonErr := json.Unmarshal(ans.Body, &got)
	if exp.Message != "" {
		msg := answerMessage(got, ans.Status)
		if !strings.Contains(msg, exp.Message) {
			return fmt.Errorf("want a message containing %q, got %q", exp.Message, msg)
		}
	}
	if !exp.Body.IsZero() {
		if jsonErr != nil {
			return fmt.Errorf("the answer is not JSON (%v): %s", jsonErr, brief(ans.Body))
		}
		if err := Match(r.json(exp.Body), got); err != nil {
			return fmt.Errorf("answer body: %w", err)
		}
	}
	if !exp.Headers.IsZero() {
		if err := Match(canonicalKeys(r.json(exp.Headers)), headerMap(ans.Header)); err != nil {
			return fmt.Errorf("answer header %w", err)
		}
	}
	return nil
}

// answerMessage is a refusal's message, or why a 200 was ignored.
func answerMessage(body any, status int) string {
	m, _ := body.(map[string]any)
	field := "reason"
	if status >= 300 {
		field = "message"
	}
	s, _ := m[field].(string)
	return s
}

func headerMap(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		if len(v) > 0 {
			out[http.CanonicalHeaderKey(k)] = v[0]
		}
	}
	return out
}

func canonicalKeys(pattern any) any {
	m, ok := pattern.(map[string]any)
	if !ok {
		return pattern
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[http.CanonicalHeaderKey(k)] = v
	}
	return out
}

// brief is an answer body for a message, cut short.
func brief(b []byte) string {
	const max = 300
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		return s[:max] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

func (r *runner) call(ctx context.Context, c *Call, exp *Expect) error {
	var body []byte
	if !c.Body.IsZero() {
		var err error
		if body, err = json.Marshal(r.json(c.Body)); err != nil {
			return err
		}
	}
	ans, err := r.c.DoAnswer(ctx, c.Method, r.path(c.Path), r.query(c.Query), body)
	if err != nil {
		return err
	}
	return r.checkAnswer(ans, exp, 0)
}

func (r *runner) assert(ctx context.Context, a *Assert) error {
	ans, err := r.c.DoAnswer(ctx, http.MethodGet, r.path(a.Path), r.query(a.Query), nil)
	if err != nil {
		return err
	}
	if ans.Status != http.StatusOK {
		return fmt.Errorf("GET %s: want status 200, got %d: %s", r.path(a.Path), ans.Status, brief(ans.Body))
	}
	var got any
	if err := json.Unmarshal(ans.Body, &got); err != nil {
		return fmt.Errorf("GET %s: the answer is not JSON: %v", r.path(a.Path), err)
	}
	if a.Count != nil {
		items, ok := got.([]any)
		if m, isObj := got.(map[string]any); isObj {
			items, ok = m["items"].([]any)
		}
		if !ok {
			return fmt.Errorf("count: the answer is not a list: %s", brief(ans.Body))
		}
		if len(items) != *a.Count {
			return fmt.Errorf("count: want %d items, got %d: %s", *a.Count, len(items), brief(ans.Body))
		}
	}
	if !a.Match.IsZero() {
		if err := Match(r.json(a.Match), got); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) wait(ctx context.Context, w *Wait) error {
	f := client.RequestFilter{Destination: w.Destination, Account: r.vars(w.Account), Status: w.Status,
		Outcome: w.Outcome, Type: w.Type, UserID: r.vars(w.UserID), Event: w.Event}
	n := max(1, w.Count)
	timeout := w.Timeout.D
	if timeout == 0 {
		timeout = DefaultWait
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := r.c.WaitFor(wctx, f, n)
	var short *client.ExpectationError
	if errors.As(err, &short) {
		// What did arrive, as testkit.ExpectRequests shows it.
		return fmt.Errorf("waited %s: %w", timeout, err)
	}
	return err
}

func (r *runner) clock(ctx context.Context, c *Clock) error {
	var err error
	switch {
	case c.Set != "" && c.Freeze:
		_, err = r.c.FreezeClockAt(ctx, c.at)
	case c.Set != "":
		_, err = r.c.SetClock(ctx, c.at)
	case c.Freeze:
		_, err = r.c.FreezeClock(ctx)
	case !c.Advance.IsZero():
		_, err = r.c.AdvanceClock(ctx, c.Advance.D)
	case c.Resume:
		_, err = r.c.ResumeClock(ctx)
	case c.Reset:
		_, err = r.c.ResetClock(ctx)
	}
	return err
}

func (r *runner) keyStatus(ctx context.Context, k *KeyRef, f func(context.Context, string, string, string) (*client.Key, error)) error {
	_, err := f(ctx, k.Destination, r.vars(k.account), r.key(k.Key))
	return err
}

// fault adds a rule as written (variables expanded), so every field the
// control plane takes is available, or clears the namespace's rules.
func (r *runner) fault(ctx context.Context, f *Fault) error {
	if f.Clear {
		return r.c.ClearFaults(ctx)
	}
	body, err := json.Marshal(r.json(f.Add))
	if err != nil {
		return err
	}
	ans, err := r.c.DoAnswer(ctx, http.MethodPost, "/_emulator/faults", nil, body)
	if err != nil {
		return err
	}
	if ans.Status != http.StatusCreated && ans.Status != http.StatusOK {
		return fmt.Errorf("adding the fault rule: %d %s", ans.Status, brief(ans.Body))
	}
	return nil
}
