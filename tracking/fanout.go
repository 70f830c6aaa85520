package tracking

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// fanout delivers the messages of one request to its source's connections.
type fanout struct {
	api *API
	src *emulators.Source
	ns  *emulators.Namespace
	c   *call
	// now is receivedAt: one instant of the namespace clock per request,
	// as Segment stamps a batch when it arrives.
	now   time.Time
	conns []conn
}

// conn is a connection with its headers made once per request.
type conn struct {
	emulators.Connection
	info     emulators.Info
	auth     string
	settings string
}

func (a *API) newFanout(src *emulators.Source, c *call) *fanout {
	ns := src.Namespace()
	fo := &fanout{api: a, src: src, ns: ns, c: c, now: ns.Clock.Now().UTC()}
	for _, cn := range src.Connections {
		fo.conns = append(fo.conns, conn{Connection: cn, info: a.infos[cn.Destination],
			auth: basicAuth(cn.APIKey), settings: settingsHeader(cn.Settings)})
	}
	return fo
}

// timeLayout is how Segment writes times: UTC, milliseconds, "Z".
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// message enriches one message, delivers it to each connection that
// should have it, and logs it with what became of it.
func (fo *fanout) message(raw json.RawMessage, env *envelope) {
	e := fo.api.entry(fo.ns, fo.c, fo.src.WriteKey)
	e.Time, e.Status = fo.now, http.StatusOK
	m, body, why := fo.enrich(raw, env)
	if why != "" {
		describe(e, raw, fo.c.typ) // what can be read of it, for the log
		e.Outcome, e.Message = emulators.OutcomeDropped, why
		if json.Valid(raw) {
			e.Body = raw
		}
		fo.api.append(fo.ns, e, fo.c)
		return
	}
	e.Type, e.Event, e.UserID, e.AnonymousID, e.MessageID = m.TypeName, m.Event, m.UserID, m.AnonymousID, m.MessageID
	e.Body = body
	for i := range fo.conns {
		f := fo.deliver(&fo.conns[i], m, body)
		e.Tracking.Deliveries = append(e.Tracking.Deliveries, f)
		e.Actions = append(e.Actions, line(f))
	}
	e.Outcome = emulators.OutcomeOK
	fo.api.append(fo.ns, e, fo.c)
}

// deliver sends the message to one connection through the webhook
// contract, or says why Segment would not have.
func (fo *fanout) deliver(cn *conn, m *segment.Message, body []byte) emulators.Fanout {
	f := emulators.Fanout{Destination: cn.Destination, Outcome: emulators.OutcomeSkipped}
	switch {
	case !cn.On():
		f.Reason = "the connection is disabled"
	case m.Disabled(cn.info.Integrations):
		f.Reason = fmt.Sprintf("the integrations object disables %s", cn.info.Name)
	case !cn.info.Accepted(m.Type):
		f.Reason = fmt.Sprintf("%s does not accept %s calls", cn.info.Name, m.TypeName)
	default:
		ans := fo.api.world.Deliver(&emulators.Delivery{
			Destination: cn.Destination, Authorization: cn.auth, SettingsHeader: cn.settings,
			Namespace: fo.ns.Name, Header: fo.api.header, Body: body, Started: time.Now(),
			Source: fo.src.WriteKey,
		})
		f.Account, f.RequestID, f.Status, f.Outcome = ans.Entry.Account, ans.Entry.ID, ans.Status, ans.Entry.Outcome
		if ans.Status != http.StatusOK {
			f.Reason = ans.Entry.Message
		}
	}
	return f
}

// enrich turns a message as the SDK sent it into the message Segment
// delivers: the type the endpoint implies, the batch's context and
// integrations merged in (the message's own values win), a messageId,
// receivedAt, sentAt, originalTimestamp and a timestamp corrected for the
// client's clock skew; the write key removed. It returns why the message
// is dropped instead, when it is not a valid Spec message.
func (fo *fanout) enrich(raw json.RawMessage, env *envelope) (*segment.Message, []byte, string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var msg map[string]any
	if err := dec.Decode(&msg); err != nil || msg == nil {
		return nil, nil, "the message is not a JSON object"
	}
	if fo.c.typ != 0 {
		msg["type"] = fo.c.typ.String()
	}
	delete(msg, "writeKey")
	if env.context != nil {
		ctx, _ := msg["context"].(map[string]any)
		msg["context"] = merge(env.context, ctx)
	}
	if env.integrations != nil {
		in, _ := msg["integrations"].(map[string]any)
		msg["integrations"] = mergeShallow(env.integrations, in)
	}
	if v := msg["messageId"]; v == nil || v == "" {
		msg["messageId"] = fo.ns.NewMessageID()
	}
	if why := fo.stamp(msg, env); why != "" {
		return nil, nil, why
	}
	m, err := segment.FromMap(msg, fo.now)
	if err != nil {
		return nil, nil, "the message is not valid: " + err.Error()
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return nil, nil, "the message cannot be written as JSON: " + err.Error()
	}
	return m, body, ""
}

// stamp sets the times Segment sets. originalTimestamp is the client's
// time of the call (its "originalTimestamp", else its "timestamp");
// sentAt the client's time of sending (the message's, else the batch's);
// receivedAt the namespace clock. timestamp is then
// receivedAt - (sentAt - originalTimestamp): the call's time on the
// server's clock, whatever the client's clock said; without a sentAt
// there is nothing to correct by and it is originalTimestamp; without an
// originalTimestamp it is receivedAt.
func (fo *fanout) stamp(msg map[string]any, env *envelope) string {
	orig, err := clientTime(msg, "originalTimestamp", "timestamp")
	if err != nil {
		return err.Error()
	}
	sentAt, err := clientTime(msg, "sentAt")
	if err != nil {
		return err.Error()
	}
	if sentAt.IsZero() && env.sentAt != nil {
		if sentAt, err = clientTime(map[string]any{"sentAt": env.sentAt}, "sentAt"); err != nil {
			return "the batch's " + err.Error()
		}
	}
	ts := fo.now
	if !orig.IsZero() {
		msg["originalTimestamp"] = orig.Format(timeLayout)
		ts = orig
		if !sentAt.IsZero() {
			ts = fo.now.Add(-sentAt.Sub(orig))
		}
	}
	if !sentAt.IsZero() {
		msg["sentAt"] = sentAt.Format(timeLayout)
	}
	msg["receivedAt"] = fo.now.Format(timeLayout)
	msg["timestamp"] = ts.UTC().Format(timeLayout)
	return ""
}

// clientTime reads the first of the named time fields the message has.
func clientTime(msg map[string]any, names ...string) (time.Time, error) {
	for _, name := range names {
		v, ok := msg[name]
		if !ok || v == nil || v == "" {
			continue
		}
		s, isString := v.(string)
		if !isString {
			return time.Time{}, fmt.Errorf("field %q must be an ISO 8601 time string", name)
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("field %q: %q is not an ISO 8601 time", name, s)
		}
		return t.UTC(), nil
	}
	return time.Time{}, nil
}

// merge deep-merges the batch's object into the message's: a key the
// message has wins, objects both have are merged the same way. It builds
// new maps and never changes its arguments, which other messages share.
func merge(batch, own map[string]any) map[string]any {
	out := make(map[string]any, len(batch)+len(own))
	for k, v := range batch {
		out[k] = v
	}
	for k, v := range own {
		if bo, ok := out[k].(map[string]any); ok {
			if oo, ok := v.(map[string]any); ok {
				out[k] = merge(bo, oo)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// mergeShallow overlays the message's integrations on the batch's: a
// destination's setting is one value, replaced whole.
func mergeShallow(batch, own map[string]any) map[string]any {
	out := make(map[string]any, len(batch)+len(own))
	for k, v := range batch {
		out[k] = v
	}
	for k, v := range own {
		out[k] = v
	}
	return out
}

// line is a fanout as one line of the tracking entry's actions.
func line(f emulators.Fanout) string {
	switch {
	case f.Outcome == emulators.OutcomeSkipped:
		return fmt.Sprintf("skipped %s: %s", f.Destination, f.Reason)
	case f.Reason != "":
		return fmt.Sprintf("delivered to %s account %q (request %d): %d %s: %s", f.Destination, f.Account, f.RequestID, f.Status, f.Outcome, f.Reason)
	}
	return fmt.Sprintf("delivered to %s account %q (request %d): %d %s", f.Destination, f.Account, f.RequestID, f.Status, f.Outcome)
}
