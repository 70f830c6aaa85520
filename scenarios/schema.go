package scenarios

import _ "embed"

//go:embed schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) of the scenario format,
// for editors and CI; the file is scenarios/schema.json. Parse checks
// everything the schema checks, and more (destinations, key references,
// durations, times, regular expressions), with lines.
func Schema() []byte { return append([]byte(nil), schema...) }
