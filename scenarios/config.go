package scenarios

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigCheck reads an account's vendor-side config as the destination
// does when the account is created (Emulator.NewState), without creating
// anything, and returns its refusal.
type ConfigCheck func(destination string, config []byte) error

// CheckConfigs checks the config of every setup account with check, so a
// typo in a vendor config is found before a run (destemu scenario
// validate) and not as an account the server refuses mid-run. A refusal is
// reported at the config's line, or at the line of the unknown field it
// names, with the field the destination takes that is one edit away.
// Accounts of destinations check does not know are left to Check.
func (s *Scenario) CheckConfigs(check ConfigCheck) error {
	var errs Errors
	for i, a := range s.Setup.Accounts {
		n := a.Config.Node()
		if n == nil {
			continue
		}
		v, err := toJSON(n)
		if err != nil {
			continue // the run reports it where it converts the config
		}
		body, err := json.Marshal(v)
		if err != nil {
			continue
		}
		if err := check(a.Destination, body); err != nil {
			errs = append(errs, configError(s.File, fmt.Sprintf("setup.accounts[%d].config", i+1), n, a.Destination, check, err))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// unknownField is how a destination names a field it does not take.
var unknownField = regexp.MustCompile(`unknown field "([^"]+)"`)

// configError places a refusal of config: at the unknown field it names,
// with a suggestion, or at the config itself.
func configError(file, what string, config *yaml.Node, dest string, check ConfigCheck, refusal error) *Error {
	msg := strings.TrimPrefix(refusal.Error(), "400 Bad Request: ")
	m := unknownField.FindStringSubmatch(msg)
	if m == nil {
		return &Error{File: file, Line: config.Line, Column: config.Column, Msg: fmt.Sprintf("%s: %s refuses it: %s", what, dest, msg)}
	}
	key := findKey(config, m[1])
	if key == nil {
		return &Error{File: file, Line: config.Line, Column: config.Column, Msg: fmt.Sprintf("%s: %s refuses it: %s", what, dest, msg)}
	}
	msg = fmt.Sprintf("%s: %s config has no field %q", what, dest, key.Value)
	if near := nearestKnown(config, key, dest, check); near != "" {
		msg += fmt.Sprintf("; did you mean %q?", near)
	}
	return &Error{File: file, Line: key.Line, Column: key.Column, Msg: msg}
}

// findKey returns the first mapping key named name in n, depth first.
func findKey(n *yaml.Node, name string) *yaml.Node {
	n = alias(n)
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return n.Content[i]
			}
		}
	}
	for _, c := range n.Content {
		if k := findKey(c, name); k != nil {
			return k
		}
	}
	return nil
}

// nearestKnown finds the field one edit away from key's name that the
// destination takes in key's place. Destinations do not list their config
// fields, so it asks: each candidate name is put in place of key, with a
// null value, and one the destination does not call unknown is a field it
// takes. key is renamed for the probes and restored before it returns.
func nearestKnown(config, key *yaml.Node, dest string, check ConfigCheck) string {
	typo, value := key.Value, valueOf(config, key)
	defer func() { key.Value = typo }()
	if value != nil {
		saved := *value
		defer func() { *value = saved }()
		*value = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	for _, cand := range oneEditAway(typo) {
		key.Value = cand
		v, err := toJSON(config)
		if err != nil {
			return ""
		}
		body, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		err = check(dest, body)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("unknown field %q", cand)) {
			return cand
		}
	}
	return ""
}

// valueOf returns the value node of the mapping key key within n.
func valueOf(n, key *yaml.Node) *yaml.Node {
	n = alias(n)
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i] == key {
				return n.Content[i+1]
			}
		}
	}
	for _, c := range n.Content {
		if v := valueOf(c, key); v != nil {
			return v
		}
	}
	return nil
}

// oneEditAway lists the names one deletion, transposition, substitution
// or insertion away from s, in that order (a letter left out or swapped is
// the likelier typo), over the letters, digits and _ of config field names.
func oneEditAway(s string) []string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
	seen := map[string]bool{s: true}
	var out []string
	add := func(c string) {
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for i := range len(s) {
		add(s[:i] + s[i+1:])
	}
	for i := 0; i+1 < len(s); i++ {
		add(s[:i] + string(s[i+1]) + string(s[i]) + s[i+2:])
	}
	for i := range len(s) {
		for _, r := range alphabet {
			add(s[:i] + string(r) + s[i+1:])
		}
	}
	for i := range len(s) + 1 {
		for _, r := range alphabet {
			add(s[:i] + string(r) + s[i:])
		}
	}
	return out
}
