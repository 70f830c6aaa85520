package server

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/destemu/destemu/scenarios"
)

// schemas reflects JSON Schemas (2020-12, as OpenAPI 3.1 uses) from Go
// types, the way encoding/json writes them: exported fields by their json
// names, embedded structs flattened, omitempty fields optional, nil
// pointers, slices and maps null. Named structs become components under
// #/components/schemas, so recursive types terminate. It runs once, when
// the server builds its OpenAPI document; nothing on a request path
// reflects.
type schemas struct {
	defs  map[string]any
	names map[reflect.Type]string
}

func newSchemas() *schemas {
	return &schemas{defs: map[string]any{}, names: map[reflect.Type]string{}}
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	numberType    = reflect.TypeFor[json.Number]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	textType      = reflect.TypeFor[encoding.TextMarshaler]()
)

// of returns the schema of values of type t; nil t is any value.
func (g *schemas) of(t reflect.Type) map[string]any {
	if t == nil {
		return map[string]any{}
	}
	if t.Kind() == reflect.Pointer {
		return nullable(g.of(t.Elem()))
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	case t == numberType:
		return map[string]any{"type": "number"}
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
		return map[string]any{} // writes itself: no claim about its shape
	case t.Implements(textType) || reflect.PointerTo(t).Implements(textType):
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string"}
		}
		return map[string]any{"type": []any{"array", "null"}, "items": g.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": []any{"object", "null"}, "additionalProperties": g.of(t.Elem())}
	case reflect.Struct:
		return g.structRef(t)
	}
	return map[string]any{} // interfaces: any JSON value
}

// structRef names a struct in components (generic instantiations, whose
// names hold package paths, are inlined).
func (g *schemas) structRef(t reflect.Type) map[string]any {
	if t.Name() == "" || strings.Contains(t.Name(), "[") {
		return g.structSchema(t)
	}
	name, ok := g.names[t]
	if !ok {
		name = componentName(t)
		for n := 2; g.defs[name] != nil; n++ {
			name = componentName(t) + strings.Repeat("_", n-1)
		}
		g.names[t] = name
		g.defs[name] = map[string]any{} // placeholder while recursing
		g.defs[name] = g.structSchema(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// componentName is the package's last element and the type's name:
// "promoter.Campaign".
func componentName(t reflect.Type) string {
	pkg := t.PkgPath()
	return pkg[strings.LastIndex(pkg, "/")+1:] + "." + t.Name()
}

func (g *schemas) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// fields adds the JSON fields of struct t, as encoding/json writes them.
func (g *schemas) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				g.fields(et, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.of(f.Type)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}

func nullable(s map[string]any) map[string]any {
	if len(s) == 0 {
		return s
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// scenarioFile is the schema of a scenario file, the body of a route with
// bodyTypes (YAML or JSON): the scenario format's own JSON Schema, whose
// definitions join the components as scenario.<name>.
func (g *schemas) scenarioFile() map[string]any {
	const name = "scenarios.Scenario"
	if g.defs[name] == nil {
		raw := strings.ReplaceAll(string(scenarios.Schema()), `"#/$defs/`, `"#/components/schemas/scenario.`)
		var s map[string]any
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return map[string]any{"type": "object"}
		}
		defs, _ := s["$defs"].(map[string]any)
		for k, d := range defs {
			g.defs["scenario."+k] = d
		}
		delete(s, "$defs")
		delete(s, "$schema")
		delete(s, "$id")
		g.defs[name] = s
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}
