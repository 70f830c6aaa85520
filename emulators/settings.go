package emulators

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// SettingKind is the JSON type of a destination setting.
type SettingKind string

// Setting kinds.
const (
	SettingString SettingKind = "string"
	SettingBool   SettingKind = "boolean"
	SettingNumber SettingKind = "number"
)

// Setting describes one destination setting as Segment's catalog shows it.
type Setting struct {
	Name        string      `json:"name"`
	Kind        SettingKind `json:"type"`
	Required    bool        `json:"required"`
	Default     any         `json:"default,omitempty"`
	Description string      `json:"description"`
}

// Settings are the values a request runs with: the account's stored
// settings overlaid with the request's X-Segment-Settings, defaults filled.
type Settings struct {
	values map[string]any
}

// NewSettings wraps plain values (for tests and provisioning).
func NewSettings(values map[string]any) Settings { return Settings{values: values} }

// String returns a string setting ("" when unset).
func (s Settings) String(name string) string {
	v, _ := s.values[name].(string)
	return v
}

// Bool returns a boolean setting (false when unset).
func (s Settings) Bool(name string) bool {
	v, _ := s.values[name].(bool)
	return v
}

// Map returns a copy of every value.
func (s Settings) Map() map[string]any {
	out := make(map[string]any, len(s.values))
	for k, v := range s.values {
		out[k] = v
	}
	return out
}

// DecodeSettingsHeader reads X-Segment-Settings: base64 of a JSON object, or
// raw JSON starting with '{' (G-3, a decision for curl users). An empty
// header is an empty object.
func DecodeSettingsHeader(h string) (map[string]any, error) {
	h = strings.TrimSpace(h)
	switch h {
	case "", "e30=", "{}": // nothing, base64("{}"), "{}": no work for the common case
		return nil, nil
	}
	raw := []byte(h)
	if h[0] != '{' {
		var err error
		if raw, err = base64.StdEncoding.DecodeString(h); err != nil {
			if raw, err = base64.RawStdEncoding.DecodeString(h); err != nil {
				return nil, errors.New("X-Segment-Settings is neither base64 nor a JSON object")
			}
		}
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, errors.New("X-Segment-Settings does not hold a JSON object")
	}
	return m, nil
}

// decodedHeader is an X-Segment-Settings header and its decoded object,
// which nothing changes once decoded.
type decodedHeader struct {
	raw    string
	values map[string]any
}

// settingsHeader decodes h, or takes the object decoded for the same
// header last time the key's account was called.
func settingsHeader(k *Key, h string) (map[string]any, error) {
	if k == nil {
		return DecodeSettingsHeader(h)
	}
	if last := k.account.header.Load(); last != nil && last.raw == h {
		return last.values, nil
	}
	m, err := DecodeSettingsHeader(h)
	if err == nil {
		k.account.header.Store(&decodedHeader{raw: h, values: m})
	}
	return m, err
}

// resolveSettings overlays header values on the account's stored values,
// fills defaults, and checks types and required settings (G-3).
func resolveSettings(specs []Setting, stored, header map[string]any) (Settings, error) {
	values := make(map[string]any, len(specs))
	for _, sp := range specs {
		v, ok := header[sp.Name]
		if !ok || v == nil {
			v, ok = stored[sp.Name]
		}
		if !ok || v == nil || v == "" {
			if sp.Required {
				return Settings{}, fmt.Errorf("setting %q is required", sp.Name)
			}
			if sp.Default != nil {
				values[sp.Name] = sp.Default
			}
			continue
		}
		if err := checkKind(sp, v); err != nil {
			return Settings{}, err
		}
		values[sp.Name] = v
	}
	return Settings{values: values}, nil
}

// ValidateSettings checks stored settings given at account creation: known
// names, right types. Required ones may be left to the request header.
func ValidateSettings(specs []Setting, values map[string]any) error {
	for name, v := range values {
		sp, ok := findSetting(specs, name)
		if !ok {
			return fmt.Errorf("unknown setting %q", name)
		}
		if err := checkKind(sp, v); err != nil {
			return err
		}
	}
	return nil
}

func findSetting(specs []Setting, name string) (Setting, bool) {
	for _, sp := range specs {
		if sp.Name == name {
			return sp, true
		}
	}
	return Setting{}, false
}

func checkKind(sp Setting, v any) error {
	ok := false
	switch sp.Kind {
	case SettingString:
		_, ok = v.(string)
	case SettingBool:
		_, ok = v.(bool)
	case SettingNumber:
		_, ok = v.(float64)
	}
	if !ok {
		return fmt.Errorf("setting %q must be a %s", sp.Name, sp.Kind)
	}
	return nil
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
