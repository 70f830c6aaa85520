package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"gopkg.in/yaml.v3"

	"github.com/destemu/destemu/client"
)

// source reads one of setup.sources.
func (p *parser) source(n *yaml.Node, what string) Source {
	s := Source{line: n.Line}
	f := p.mapping(n, what, []string{"writeKey", "name", "connections"})
	p.require(n, f, what, "writeKey")
	if x, ok := f["writeKey"]; ok {
		s.WriteKey = p.nonEmpty(x, what+".writeKey")
	}
	if x, ok := f["name"]; ok {
		s.Name = p.str(x, what+".name")
	}
	if x, ok := f["connections"]; ok {
		for i, cn := range p.list(x, what+".connections") {
			s.Connections = append(s.Connections, p.connection(cn, fmt.Sprintf("%s.connections[%d]", what, i+1)))
		}
	}
	return s
}

func (p *parser) connection(n *yaml.Node, what string) Connection {
	c := Connection{line: n.Line}
	f := p.mapping(n, what, []string{"destination", "apiKey", "settings", "enabled"})
	p.require(n, f, what, "destination", "apiKey")
	if x, ok := f["destination"]; ok {
		c.Destination = p.name(x, what+".destination")
		c.line = x.val.Line
	}
	if x, ok := f["apiKey"]; ok {
		c.APIKey = p.nonEmpty(x, what+".apiKey")
	}
	if x, ok := f["settings"]; ok {
		c.Settings = p.value(x, what+".settings", true)
	}
	if x, ok := f["enabled"]; ok {
		b := p.boolean(x, what+".enabled")
		c.Enabled = &b
	}
	return c
}

// sourceSend reads a source step.
func (p *parser) sourceSend(n *yaml.Node, what string) *SourceSend {
	s := &SourceSend{}
	f := p.mapping(n, what, []string{"writeKey", "writeKeyIn", "endpoint", "message", "batch", "headers"})
	if f == nil {
		return s
	}
	p.require(n, f, what, "writeKey")
	if x, ok := f["writeKey"]; ok {
		s.WriteKey = p.nonEmpty(x, what+".writeKey")
	}
	if x, ok := f["writeKeyIn"]; ok {
		s.WriteKeyIn = p.str(x, what+".writeKeyIn")
		if s.WriteKeyIn != "auth" && s.WriteKeyIn != "body" {
			p.errf(x.val, "%s.writeKeyIn: want auth (Basic auth) or body (a \"writeKey\" field), not %q", what, s.WriteKeyIn)
		}
	}
	if x, ok := f["endpoint"]; ok {
		s.Endpoint = p.nonEmpty(x, what+".endpoint")
	}
	if x, ok := f["headers"]; ok {
		s.Headers = p.stringMap(x, what+".headers")
	}
	switch p.oneOf(f, what, "message", "", "batch", "") {
	case "message":
		s.Message = p.value(f["message"], what+".message", true)
		if !f.has("endpoint") && !hasScalar(f["message"].val, "type") {
			p.errf(f["message"].val, "%s.message: give the message a \"type\", or the step an \"endpoint\"", what)
		}
	case "batch":
		if deref(f["batch"].val).Kind != yaml.SequenceNode {
			p.errf(f["batch"].val, "%s.batch: want a list of messages, got %s", what, describe(f["batch"].val))
		} else {
			s.Batch = p.value(f["batch"], what+".batch", false)
		}
	case "":
		if !f.has("message") {
			p.errf(n, "%s: missing field \"message\" (one message) or \"batch\" (a list of them)", what)
		}
	}
	return s
}

// hasScalar reports whether a mapping node has a scalar under key.
func hasScalar(n *yaml.Node, key string) bool {
	n = deref(n)
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && deref(n.Content[i+1]).Kind == yaml.ScalarNode {
			return true
		}
	}
	return false
}

func (s *SourceSend) title() string {
	if !s.Batch.IsZero() {
		return fmt.Sprintf("batch through source %s", s.WriteKey)
	}
	m, _ := s.Message.Interface()
	t, _ := m.(map[string]any)["type"].(string)
	if t == "" {
		t = s.Endpoint
	}
	return fmt.Sprintf("%s through source %s", t, s.WriteKey)
}

// source creates a setup source, keys made unique to the run.
func (r *runner) source(ctx context.Context, s *Source) error {
	spec := client.Source{WriteKey: r.key(s.WriteKey), Name: s.Name, Connections: []client.Connection{}}
	for _, c := range s.Connections {
		cn := client.Connection{Destination: c.Destination, APIKey: r.key(c.APIKey), Enabled: c.Enabled}
		if !c.Settings.IsZero() {
			cn.Settings, _ = r.json(c.Settings).(map[string]any)
		}
		spec.Connections = append(spec.Connections, cn)
	}
	_, err := r.c.CreateSource(ctx, spec)
	return err
}

// sourceSend posts a source step's message or batch to the tracking API.
func (r *runner) sourceSend(ctx context.Context, s *SourceSend, exp *Expect) error {
	var body map[string]any
	endpoint := s.Endpoint
	if !s.Batch.IsZero() {
		body = map[string]any{"batch": r.json(s.Batch)}
		if endpoint == "" {
			endpoint = "batch"
		}
	} else {
		body, _ = r.json(s.Message).(map[string]any)
		if endpoint == "" {
			endpoint, _ = body["type"].(string)
		}
	}
	var raw client.RawRequest
	if s.WriteKeyIn == "body" {
		body["writeKey"] = r.key(s.WriteKey)
	} else {
		raw.Authorization = client.BasicAuth(r.key(s.WriteKey))
	}
	var err error
	if raw.Body, err = json.Marshal(body); err != nil {
		return err
	}
	if len(s.Headers) > 0 {
		raw.Header = make(http.Header, len(s.Headers))
		for k, v := range s.Headers {
			raw.Header.Set(k, r.vars(v))
		}
	}
	ans, err := r.c.TrackingAnswer(ctx, endpoint, raw)
	if err != nil {
		return err
	}
	return r.checkAnswer(ans, exp, http.StatusOK)
}
