package scenarios

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// Format prints a scenario as YAML in the canonical layout: fields in a
// fixed order, plain keys as plain strings, values (messages, configs,
// patterns) as they were written, comments dropped. Parse reads back what
// Format prints, and printing that again gives the same bytes.
func Format(s *Scenario) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
