package usercom_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators/usercom"
	"github.com/destemu/destemu/testkit"
)

// BenchmarkWebhookUsercom is the whole webhook path for the User.com
// identify: 10 traits (standard, address, defined and undefined custom
// attributes) and a full browser context, whose user agent is parsed. The
// body has no messageId, so every request is applied, to the same user.
func BenchmarkWebhookUsercom(b *testing.B) {
	h := testkit.BenchServer(b).Handler()
	cfg := json.RawMessage(`{"attributes":[{"content_type":"user","name":"logins","type":"number"},
		{"content_type":"user","name":"newsletter","type":"boolean"}]}`)
	testkit.BenchAccount(b, h, "usercom", client.AccountSpec{ID: "bench", Config: cfg,
		Keys: []client.KeySpec{{Value: "usercom-bench-key"}}})
	body := testkit.Must(json.Marshal(client.Identify("019mr8mf4r", map[string]any{
		"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace", "phone": "+44 20 7946 0000",
		"gender": "female", "address": map[string]any{"city": "London", "state": "England", "country": "UK"},
		"plan": "pro", "logins": "42", "newsletter": true, "company_size": 50,
	}).WithContext(fullContext(uaChrome))))(b)
	testkit.ServeBenchmark(b, h, "/usercom", testkit.SegmentHeader("usercom-bench-key", nil), testkit.SameBody(body))
}

// BenchmarkLookupUsercom (#18) looks one user up through the control
// plane, by each indexed filter and by the user route, in an app of 10,000
// users, and of 1,000,000 with DESTEMU_BENCH_SCALE=1. An index answers
// every one, so the two sizes should cost alike.
func BenchmarkLookupUsercom(b *testing.B) {
	testkit.LookupBenchmark(b, "usercom", "users", usercom.SeedUsers,
		testkit.Lookup{Name: "email", Target: "users?email=u-%d@example.com"},
		testkit.Lookup{Name: "user_id", Target: "users?user_id=u-%d"},
		testkit.Lookup{Name: "anonymous_id", Target: "users?anonymous_id=a-%d"},
		testkit.Lookup{Name: "last_name", Target: "users?last_name=Last-%d"},
		testkit.Lookup{Name: "attribute", Target: "users?attributes.logins=%d"},
		testkit.Lookup{Name: "get", Target: "users/u-%d"})
}

// BenchmarkTrackUsercomScale (#18) is the track path to an existing
// user of an account of 10,000 users, and of 1,000,000 with
// DESTEMU_BENCH_SCALE=1: the user is found by its key, so the two
// should cost alike.
func BenchmarkTrackUsercomScale(b *testing.B) {
	testkit.ScaleBenchmark(b, "usercom", "users", usercom.SeedUsers)
}

// BenchmarkExportUsercom writes the state of an app of 100,000 users as a
// snapshot does: AppendJSON, each user written once into the document,
// against encoding/json's Encoder, which copies and compacts the users'
// own document (userList.MarshalJSON), the way snapshots went before.
func BenchmarkExportUsercom(b *testing.B) {
	st, err := usercom.New().NewState(nil)
	if err != nil {
		b.Fatal(err)
	}
	usercom.SeedUsers(st, 100_000)
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			if buf, err = st.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoder", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			buf.Reset()
			if err := enc.Encode(st); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(buf.Len()))
	})
}
