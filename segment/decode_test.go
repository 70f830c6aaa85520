package segment

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchMessage is a full track call as Segment sends it, for the decode's
// cost.
var benchMessage = []byte(`{"type":"track","event":"Order Completed","userId":"u_1","anonymousId":"a_1",
"messageId":"m-1","timestamp":"2026-01-02T03:04:05Z","receivedAt":"2026-01-02T03:04:06Z",
"properties":{"orderId":"o-1","total":99.5,"currency":"EUR","products":[{"sku":"s-1","price":49.75,"quantity":2}]},
"context":{"ip":"203.0.113.1","library":{"name":"analytics.js","version":"4.1.0"},"locale":"en-US",
"page":{"path":"/checkout","url":"https://example.com/checkout","title":"Checkout"},
"userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15"},
"integrations":{"All":true},"sentAt":"2026-01-02T03:04:05Z","version":2}`)

// BenchmarkDecode measures the one decode of a webhook body (with its
// top-level duplicate-key check).
func BenchmarkDecode(b *testing.B) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMessage)))
	for b.Loop() {
		if _, err := Decode(benchMessage, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDuplicateKey measures the top-level duplicate-key check alone.
func BenchmarkDuplicateKey(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMessage)))
	for b.Loop() {
		if _, dup := duplicateKey(benchMessage); dup {
			b.Fatal("duplicate")
		}
	}
}

// TestDuplicateTopLevelKeys: a key given twice at the message's top level is
// refused naming it, however it is spelled; nested objects and values that
// look like keys are not its business (#13 item 10).
func TestDuplicateTopLevelKeys(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for body, dup := range map[string]string{
		`{"type":"track","type":"alias","userId":"u","previousId":"p"}`:               "type",
		`{"type":"track","event":"E","userId":"u","\u0074ype":"alias"}`:               "type",
		"{\"type\":\"track\",\"event\":\"E\",\"userId\":\"u\" ,\n\"userId\" : \"v\"}": "userId",
		`{"type":"track","event":"E\"","userId":"u\\","event":"F"}`:                   "event",
		`{"type":"track","event":"E","userId":"u","properties":{"a":1,"a":2}}`:        "",
		`{"type":"track","event":"type","userId":"u","properties":{"type":"x"}}`:      "",
		`{"type":"track","event":"E","userId":"u","properties":{"s":"\"type\":"}}`:    "",
	} {
		_, err := Decode([]byte(body), now)
		if dup == "" {
			if err != nil {
				t.Errorf("%s: %v", body, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Field != dup || !strings.Contains(e.Error(), "given twice") {
			t.Errorf("%s: %v, want %s given twice", body, err, dup)
		}
	}
	many := `{"type":"track","event":"E","userId":"u"`
	for i := 0; i < 40; i++ {
		many += fmt.Sprintf(`,"k%d":%d`, i, i)
	}
	if _, err := Decode([]byte(many+`,"k39":0}`), now); err == nil || !strings.Contains(err.Error(), "k39") {
		t.Errorf("43 keys, k39 twice: %v", err)
	}
	if _, err := Decode([]byte(many+`}`), now); err != nil {
		t.Errorf("43 distinct keys: %v", err)
	}
}
