package emulators

import (
	"net/http"
	"strings"
	"testing"
)

// TestRefusedWebhooksCreateNothing: in strict mode, requests with unknown
// keys naming fresh namespaces create none; a known key's request and a
// provisioned key do (#13 item 3).
func TestRefusedWebhooksCreateNothing(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(Config{Emulators: []Emulator{Register(nop{})}, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	track := []byte(`{"type":"track","event":"E","userId":"u"}`)
	for _, name := range []string{"n1", "n2", "n3"} {
		ans := w.Deliver(&Delivery{Destination: "nop", Authorization: basic("who"), Namespace: name, Body: track})
		if ans.Status != http.StatusUnauthorized || ans.Entry.Namespace != DefaultNamespace {
			t.Fatalf("%s: %d, logged in %q", name, ans.Status, ans.Entry.Namespace)
		}
	}
	if n := len(w.Namespaces()); n != 1 {
		t.Fatalf("%d namespaces after refused requests, want 1", n)
	}

	lenient, _ := NewWorld(Config{Emulators: []Emulator{Register(nop{})}})
	bad := lenient.Deliver(&Delivery{Destination: "nop", Authorization: basic("k"), Namespace: "n1", Body: []byte(`{"type":"nope"}`)})
	if bad.Status != http.StatusBadRequest || len(lenient.Namespaces()) != 1 {
		t.Fatalf("a refused message: %d, %d namespaces", bad.Status, len(lenient.Namespaces()))
	}
	ok := lenient.Deliver(&Delivery{Destination: "nop", Authorization: basic("k"), Namespace: "n1", Body: track})
	if ok.Status != http.StatusOK || ok.Entry.Namespace != "n1" || len(lenient.Namespaces()) != 2 {
		t.Fatalf("a provisioned key: %d, logged in %q, %d namespaces", ok.Status, ok.Entry.Namespace, len(lenient.Namespaces()))
	}
	ns, _ := lenient.Namespace("n1", false)
	if items, _ := ns.Log.List(Filter{}, 0); len(items) != 1 {
		t.Fatalf("n1 logged %d requests, want 1", len(items))
	}
}

// TestMaxNamespaces: a namespace beyond the limit is refused with 503 that
// names the limit, from a webhook or the control plane alike.
func TestMaxNamespaces(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(Config{Emulators: []Emulator{Register(nop{})}, MaxNamespaces: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Namespace("one", true); err != nil {
		t.Fatal(err)
	}
	_, err = w.Namespace("two", true)
	if e, ok := err.(*Error); !ok || e.Status != http.StatusServiceUnavailable || !strings.Contains(e.Message, "limit of 2 namespaces") {
		t.Fatalf("beyond the limit: %v", err)
	}
	track := []byte(`{"type":"track","event":"E","userId":"u"}`)
	ans := w.Deliver(&Delivery{Destination: "nop", Authorization: basic("k"), Namespace: "three", Body: track})
	if ans.Status != http.StatusServiceUnavailable || len(w.Namespaces()) != 2 {
		t.Fatalf("a webhook beyond the limit: %d, %d namespaces", ans.Status, len(w.Namespaces()))
	}
	if err := w.DeleteNamespace("one"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Namespace("two", true); err != nil {
		t.Fatalf("after a delete: %v", err)
	}
}

// TestErrorsQuoteBoundedInput: a 900 KB namespace header or key is neither
// echoed in the answer nor kept in the log (#13 item 4).
func TestErrorsQuoteBoundedInput(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(Config{Emulators: []Emulator{Register(nop{})}, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("é", 450_000) // 900 KB
	track := []byte(`{"type":"track","event":"E","userId":"u"}`)
	for name, d := range map[string]*Delivery{
		"namespace": {Destination: "nop", Authorization: basic("k"), Namespace: huge, Body: track},
		"key":       {Destination: "nop", Authorization: basic(huge), Body: track},
	} {
		ans := w.Deliver(d)
		msg := ans.Body.(*ErrorBody).Message
		if ans.Status/100 != 4 || len(msg) > 1024 || len(ans.Entry.Key) > 1024 || len(ans.Entry.Message) > 1024 {
			t.Errorf("%s: %d, message %d bytes, logged key %d bytes", name, ans.Status, len(msg), len(ans.Entry.Key))
		}
	}
	_, err = w.Namespace(huge, false)
	if len(err.Error()) > 1024 || !strings.Contains(err.Error(), "900000 bytes") {
		t.Fatalf("the error quotes %d bytes: %.200s", len(err.Error()), err)
	}
	if q := Quote(huge); !strings.HasPrefix(q, `"éé`) || len(q) > maxQuoted+30 {
		t.Fatalf("Quote: %.200s", q)
	}
}
