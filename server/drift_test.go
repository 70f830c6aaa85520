package server_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// clientTypes maps each typed-client answer type to the routes whose answer
// (or, for a list, whose items) it decodes. A type used for a list and for
// one record may have the fields of either.
var clientTypes = []struct {
	typ    reflect.Type
	routes []string
}{
	{reflect.TypeFor[client.Account](), []string{"/_emulator/promoter/accounts/{account}"}},
	{reflect.TypeFor[client.Key](), []string{"/_emulator/promoter/accounts/{account}/keys/{key}/revoke"}},
	{reflect.TypeFor[client.ClockState](), []string{"/_emulator/clock"}},
	{reflect.TypeFor[client.PromoterCampaign](), []string{"/_emulator/promoter/accounts/{account}/campaigns"}},
	{reflect.TypeFor[client.PromoterContactList](), []string{"/_emulator/promoter/accounts/{account}/contact-lists"}},
	{reflect.TypeFor[client.PromoterContact](), []string{"/_emulator/promoter/accounts/{account}/contacts"}},
	{reflect.TypeFor[client.PromoterSurvey](), []string{"/_emulator/promoter/accounts/{account}/surveys"}},
	{reflect.TypeFor[client.PromoterCustomEvent](), []string{"/_emulator/promoter/accounts/{account}/custom-events"}},
	{reflect.TypeFor[client.ConnectUser](), []string{"/_emulator/connect/accounts/{account}/users", "/_emulator/connect/accounts/{account}/users/{id}"}},
	{reflect.TypeFor[client.ConnectEvent](), []string{"/_emulator/connect/accounts/{account}/events"}},
	{reflect.TypeFor[client.ConnectEventCount](), []string{"/_emulator/connect/accounts/{account}/event-counts"}},
	{reflect.TypeFor[client.UsercomAttribute](), []string{"/_emulator/usercom/accounts/{account}/attributes"}},
	{reflect.TypeFor[client.UsercomUser](), []string{"/_emulator/usercom/accounts/{account}/users"}},
	{reflect.TypeFor[client.UsercomCompany](), []string{"/_emulator/usercom/accounts/{account}/companies"}},
	{reflect.TypeFor[client.UsercomEvent](), []string{"/_emulator/usercom/accounts/{account}/events"}},
	{reflect.TypeFor[client.UsercomOccurrence](), []string{"/_emulator/usercom/accounts/{account}/occurrences"}},
	{reflect.TypeFor[client.UsercomPageView](), []string{"/_emulator/usercom/accounts/{account}/page-views"}},
	{reflect.TypeFor[client.StartdeliverCustomField](), []string{"/_emulator/startdeliver/accounts/{account}/custom-fields"}},
	{reflect.TypeFor[client.StartdeliverUser](), []string{"/_emulator/startdeliver/accounts/{account}/users", "/_emulator/startdeliver/accounts/{account}/users/{id}"}},
	{reflect.TypeFor[client.StartdeliverCustomer](), []string{"/_emulator/startdeliver/accounts/{account}/customers", "/_emulator/startdeliver/accounts/{account}/customers/{id}"}},
	{reflect.TypeFor[client.StartdeliverUsageEvent](), []string{"/_emulator/startdeliver/accounts/{account}/usage-events"}},
}

// TestClientMatchesServerSchemas: every field of a client answer type is a
// field the server's OpenAPI schema (reflected from the server's own Go
// types) has, at every depth: a field renamed on either side fails here.
func TestClientMatchesServerSchemas(t *testing.T) {
	t.Parallel()
	doc := testkit.Start(t).Server().OpenAPI()
	for _, ct := range clientTypes {
		var objs []map[string]any
		for _, path := range ct.routes {
			objs = append(objs, answerObjects(t, doc, path)...)
		}
		for _, d := range drift(doc, ct.typ, objs, ct.typ.Name()) {
			t.Errorf("client drift: %s", d)
		}
	}
}

// TestDriftCatchesARenamedField proves the check: a client type whose json
// name differs from the server's is reported.
func TestDriftCatchesARenamedField(t *testing.T) {
	t.Parallel()
	doc := testkit.Start(t).Server().OpenAPI()
	type renamed struct {
		ID           string `json:"id"`
		TriggerEvent string `json:"trigger_event"` // the server says triggerEvent
	}
	objs := answerObjects(t, doc, "/_emulator/promoter/accounts/{account}/campaigns")
	got := drift(doc, reflect.TypeFor[renamed](), objs, "renamed")
	if len(got) != 1 || !strings.Contains(got[0], "trigger_event") {
		t.Fatalf("drift = %v, want the renamed field", got)
	}
}

// answerObjects returns the object schemas a GET route answers: the items
// of a list, or the answer itself.
func answerObjects(t *testing.T, doc map[string]any, path string) []map[string]any {
	t.Helper()
	item, ok := doc["paths"].(map[string]any)[path].(map[string]any)
	if !ok {
		t.Fatalf("no route %s", path)
	}
	op, ok := item["get"].(map[string]any)
	if !ok {
		op = item["post"].(map[string]any)
	}
	s := op["responses"].(map[string]any)["2XX"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	objs := objects(doc, s)
	for _, o := range objs {
		if items, ok := o["properties"].(map[string]any)["items"].(map[string]any); ok && o["properties"].(map[string]any)["total"] != nil {
			return objects(doc, items["items"].(map[string]any))
		}
	}
	return objs
}

// objects resolves a schema to the object schemas it allows: through $ref,
// anyOf (nullable) and array items.
func objects(doc map[string]any, s map[string]any) []map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		return objects(doc, doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any))
	}
	var out []map[string]any
	for _, alt := range anySlice(s["anyOf"]) {
		out = append(out, objects(doc, alt.(map[string]any))...)
	}
	if items, ok := s["items"].(map[string]any); ok {
		out = append(out, objects(doc, items)...)
	}
	if _, ok := s["properties"]; ok {
		out = append(out, s)
	}
	return out
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// drift lists the json fields of t that none of the server's objects has,
// and recurses into struct fields.
func drift(doc map[string]any, t reflect.Type, objs []map[string]any, at string) []string {
	if len(objs) == 0 {
		return nil // the server makes no claim (a value that writes itself)
	}
	var out []string
	for name, ft := range jsonFields(t) {
		var sub []map[string]any
		found := false
		for _, o := range objs {
			if p, ok := o["properties"].(map[string]any)[name].(map[string]any); ok {
				found = true
				sub = append(sub, objects(doc, p)...)
			}
		}
		if !found {
			out = append(out, at+"."+name+": the server has no such field")
			continue
		}
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() && !checkedAlone(ft) {
			out = append(out, drift(doc, ft, sub, at+"."+name)...)
		}
	}
	slices.Sort(out)
	return out
}

// checkedAlone reports whether a nested type is in clientTypes: it is
// then checked against all of its own routes (ConnectEvent has the userId
// the events list adds, which a user's own events do not carry).
func checkedAlone(t reflect.Type) bool {
	return slices.ContainsFunc(clientTypes, func(ct struct {
		typ    reflect.Type
		routes []string
	}) bool {
		return ct.typ == t
	})
}

// jsonFields are a struct's fields by their json names, embedded structs
// flattened, as encoding/json sees them.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
		case f.IsExported():
			if name == "" {
				name = f.Name
			}
			out[name] = f.Type
		}
	}
	return out
}
