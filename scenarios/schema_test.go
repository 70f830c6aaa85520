package scenarios

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// compileSchema compiles schema.json as a draft 2020-12 schema, which also
// checks it against the draft's meta-schema. Formats (date-time) are
// asserted, as an editor would.
//
// The validator is github.com/santhosh-tekuri/jsonschema/v6: maintained,
// pure Go, it passes the official JSON-Schema-Test-Suite for drafts 4 to
// 2020-12 and reports where in the instance each error is.
// xeipuuv/gojsonschema stops at draft 7 and is unmaintained.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("schema.json does not compile: %v", err)
	}
	return sch
}

// instance reads a YAML document as the JSON the schema validates: the
// same conversion a run makes of its values.
func instance(t *testing.T, data []byte) any {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	v, err := toJSON(&n)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestSchemaAcceptsBundledFiles validates every library file and every
// valid testdata file against schema.json.
func TestSchemaAcceptsBundledFiles(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	lib, _ := filepath.Glob("library/*.yaml")
	format, _ := filepath.Glob("testdata/format/*.yaml")
	if len(lib) == 0 {
		t.Fatal("no library files")
	}
	for _, f := range append(lib, format...) {
		s, err := ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		printed, err := Format(s)
		if err != nil {
			t.Fatal(err)
		}
		for what, data := range map[string][]byte{"file": mustRead(t, f), "print": printed} {
			if err := sch.Validate(instance(t, data)); err != nil {
				t.Errorf("%s (%s): %v", f, what, err)
			}
		}
	}
}

// TestSchemaRejectsBrokenFiles checks that the schema refuses what Parse
// refuses, for the mistakes an editor should underline.
func TestSchemaRejectsBrokenFiles(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	for name, doc := range map[string]string{
		"wrong step kind":     "name: x\nsteps:\n  - sned: {destination: promoter}\n",
		"missing key":         "name: x\nsteps:\n  - send: {destination: promoter, message: {type: track}}\n",
		"bad duration":        "name: x\nsteps:\n  - clock: {advance: 7 days}\n",
		"missing name":        "steps: []\n",
		"two kinds":           "name: x\nsteps:\n  - clock: {freeze: true}\n    wait: {count: 1}\n",
		"expect on clock":     "name: x\nsteps:\n  - clock: {freeze: true}\n    expect: {status: 200}\n",
		"two clock actions":   "name: x\nsteps:\n  - clock: {advance: 1h, resume: true}\n",
		"bad time":            "name: x\nsteps:\n  - clock: {set: tomorrow}\n",
		"status out of range": "name: x\nsteps:\n  - call: {method: GET, path: info}\n    expect: {status: 700}\n",
		"unknown operator":    "name: x\nsteps:\n  - assert: {path: info, match: {version: {$eq: dev}}}\n",
		"message and body":    "name: x\nsteps:\n  - send: {destination: promoter, key: k, message: {}, body: x}\n",
		"key with a colon":    "name: x\nsteps:\n  - send: {destination: promoter, key: 'a:b', message: {}}\n",
		"bad method":          "name: x\nsteps:\n  - call: {method: FETCH, path: info}\n",
		"account id":          "name: x\nsetup:\n  accounts:\n    - {destination: promoter, id: 'a b'}\n",
		"assert nothing":      "name: x\nsteps:\n  - assert: {path: info}\n",
		"unknown field":       "name: x\nsteps:\n  - send: {destination: promoter, key: k, mesage: {}}\n",
	} {
		if err := sch.Validate(instance(t, []byte(doc))); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
		if _, err := Parse(name, []byte(doc)); err == nil {
			t.Errorf("%s: Parse accepts it", name)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
