package scenarios

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Result is how a scenario or a step ended.
type Result string

// Results.
const (
	Pass Result = "pass"
	Fail Result = "fail"
	// Skip: a step after a failed one, or a scenario whose requirements
	// the server does not meet. A skipped scenario is not a failure.
	Skip Result = "skip"
)

// Report is what a run did: each setup item and step with its result and
// duration, and the overall result.
type Report struct {
	Name      string        `json:"name"`
	File      string        `json:"file,omitempty"`
	Namespace string        `json:"namespace,omitempty"`
	Result    Result        `json:"result"`
	Reason    string        `json:"reason,omitempty"` // why it failed or was skipped
	Duration  time.Duration `json:"-"`
	Steps     []StepReport  `json:"steps"`
}

// StepReport is one setup item or step of a run.
type StepReport struct {
	// Index is the step's number (from 1); 0 for setup items.
	Index int `json:"index,omitempty"`
	// Kind is the step kind, or "setup".
	Kind     string        `json:"kind"`
	Name     string        `json:"name"`
	Line     int           `json:"line,omitempty"`
	Result   Result        `json:"result"`
	Duration time.Duration `json:"-"`
	// Message says why the step failed or was skipped.
	Message string `json:"message,omitempty"`
}

// Passed reports whether the scenario did not fail (a skipped scenario
// did not fail).
func (r Report) Passed() bool { return r.Result != Fail }

// MarshalJSON adds the duration in milliseconds.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(struct {
		plain
		DurationMs float64 `json:"durationMs"`
	}{plain(r), ms(r.Duration)})
}

// MarshalJSON adds the duration in milliseconds.
func (s StepReport) MarshalJSON() ([]byte, error) {
	type plain StepReport
	return json.Marshal(struct {
		plain
		DurationMs float64 `json:"durationMs"`
	}{plain(s), ms(s.Duration)})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// where names the step in messages: "step 3 (line 42)".
func (s StepReport) where() string {
	w := "setup"
	if s.Index > 0 {
		w = fmt.Sprintf("step %d", s.Index)
	}
	if s.Line > 0 {
		w += fmt.Sprintf(" (line %d)", s.Line)
	}
	return w
}

// Title is the step's name, or a description made from what it does.
func (st *Step) Title() string {
	if st.Name != "" {
		return st.Name
	}
	switch {
	case st.Send != nil:
		return st.Send.title()
	case st.Source != nil:
		return st.Source.title()
	case st.Call != nil:
		return st.Call.title()
	case st.Assert != nil:
		return "assert " + st.Assert.Path
	case st.Wait != nil:
		return st.Wait.title()
	case st.Clock != nil:
		return st.Clock.title()
	case st.Revoke != nil, st.Activate != nil, st.Deactivate != nil:
		k := st.keyRef()
		return fmt.Sprintf("%s key %s of %s/%s", st.Kind(), k.Key, k.Destination, k.account)
	case st.Fault != nil:
		if st.Fault.Clear {
			return "clear fault rules"
		}
		return "add a fault rule"
	}
	return ""
}

func (s *Send) title() string {
	var b strings.Builder
	b.WriteString("send")
	m, _ := s.Message.Interface()
	if msg, ok := m.(map[string]any); ok {
		for _, f := range []string{"type", "event", "name"} {
			if v, ok := msg[f].(string); ok && v != "" {
				fmt.Fprintf(&b, " %s", v)
			}
		}
		if u, ok := msg["userId"].(string); ok && u != "" {
			fmt.Fprintf(&b, " for %s", u)
		}
	} else if s.Body != nil {
		b.WriteString(" a raw body")
	}
	fmt.Fprintf(&b, " to %s", s.Destination)
	if s.Repeat > 1 {
		fmt.Fprintf(&b, " ×%d", s.Repeat)
		if s.Parallel {
			b.WriteString(" at once")
		}
	}
	return b.String()
}

func (c *Call) title() string { return c.Method + " " + c.Path }

func (w *Wait) title() string {
	n := max(1, w.Count)
	var filters []string
	for _, f := range [][2]string{{"destination", w.Destination}, {"account", w.Account}, {"outcome", w.Outcome},
		{"type", w.Type}, {"userId", w.UserID}, {"event", w.Event}} {
		if f[1] != "" {
			filters = append(filters, f[0]+" "+f[1])
		}
	}
	if w.Status != 0 {
		filters = append(filters, fmt.Sprintf("status %d", w.Status))
	}
	t := fmt.Sprintf("wait for %d request", n)
	if n > 1 {
		t += "s"
	}
	if len(filters) > 0 {
		t += " (" + strings.Join(filters, ", ") + ")"
	}
	return t
}

func (c *Clock) title() string {
	switch {
	case c.Set != "" && c.Freeze:
		return "freeze the clock at " + c.Set
	case c.Set != "":
		return "set the clock to " + c.Set
	case c.Freeze:
		return "freeze the clock"
	case !c.Advance.IsZero():
		return "advance the clock " + c.Advance.Text
	case c.Resume:
		return "resume the clock"
	}
	return "reset the clock"
}

// Formats of WriteReports.
const (
	FormatText  = "text"
	FormatJSON  = "json"
	FormatJUnit = "junit"
)

// WriteReports writes reports as text (for people), JSON or JUnit XML
// (for CI).
func WriteReports(w io.Writer, format string, reports []Report) error {
	switch format {
	case FormatText, "":
		return writeText(w, reports)
	case FormatJSON:
		return writeJSON(w, reports)
	case FormatJUnit:
		return writeJUnit(w, reports)
	}
	return fmt.Errorf("unknown report format %q (want text, json or junit)", format)
}

// Summary counts reports by result.
type Summary struct {
	Passed  int  `json:"passed"`
	Failed  int  `json:"failed"`
	Skipped int  `json:"skipped"`
	OK      bool `json:"ok"` // nothing failed
}

// Summarize counts reports by result.
func Summarize(reports []Report) Summary {
	var s Summary
	for _, r := range reports {
		switch r.Result {
		case Pass:
			s.Passed++
		case Fail:
			s.Failed++
		default:
			s.Skipped++
		}
	}
	s.OK = s.Failed == 0
	return s
}

var marks = map[Result]string{Pass: "ok  ", Fail: "FAIL", Skip: "skip"}

func writeText(w io.Writer, reports []Report) error {
	var b strings.Builder
	for _, r := range reports {
		fmt.Fprintf(&b, "%s %s", marks[r.Result], r.Name)
		if r.File != "" {
			fmt.Fprintf(&b, " (%s)", r.File)
		}
		fmt.Fprintf(&b, " %s\n", r.Duration.Round(time.Millisecond))
		if r.Result == Pass {
			continue
		}
		for _, s := range r.Steps {
			if s.Result == Skip && r.Result == Fail {
				continue
			}
			fmt.Fprintf(&b, "    %s %s: %s", marks[s.Result], s.where(), s.Name)
			if s.Message != "" {
				fmt.Fprintf(&b, "\n         %s", strings.ReplaceAll(s.Message, "\n", "\n         "))
			}
			b.WriteByte('\n')
		}
		if r.Reason != "" && (len(r.Steps) == 0 || r.Result == Skip) {
			fmt.Fprintf(&b, "    %s\n", strings.ReplaceAll(r.Reason, "\n", "\n    "))
		}
	}
	s := Summarize(reports)
	fmt.Fprintf(&b, "%d passed, %d failed, %d skipped\n", s.Passed, s.Failed, s.Skipped)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeJSON(w io.Writer, reports []Report) error {
	if reports == nil {
		reports = []Report{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Summary
		Scenarios []Report `json:"scenarios"`
	}{Summarize(reports), reports})
}

// JUnit XML as CI systems read it: a test suite per scenario, a test case
// per setup item and step.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	File     string      `xml:"file,attr,omitempty"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func writeJUnit(w io.Writer, reports []Report) error {
	var out junitSuites
	for _, r := range reports {
		s := junitSuite{Name: r.Name, File: r.File, Time: seconds(r.Duration)}
		steps := r.Steps
		if len(steps) == 0 && r.Result != Pass {
			// The scenario could not run: one case says why.
			steps = []StepReport{{Kind: "scenario", Name: "run", Result: r.Result, Message: r.Reason}}
		}
		for _, st := range steps {
			c := junitCase{Name: fmt.Sprintf("%s: %s", st.where(), st.Name), Classname: r.Name, Time: seconds(st.Duration)}
			switch st.Result {
			case Fail:
				c.Failure = &junitMessage{Message: firstLine(st.Message), Text: st.Message}
				s.Failures++
			case Skip:
				c.Skipped = &junitMessage{Message: st.Message}
				s.Skipped++
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
