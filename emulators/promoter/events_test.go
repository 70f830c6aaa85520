package promoter

import (
	"testing"

	"github.com/destemu/destemu/emulators"
)

// TestEventIDs: an id the webhook gives (evt_N) is stored as its number,
// any other as its text, and each reads back as it was.
func TestEventIDs(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"evt_1", "evt_1234567", "evt_0", "evt_007", "evt_-3", "evt_", "evt_x", "custom", "", "EVT_2", "evt_99999999999999999999"} {
		b := appendID(nil, id)
		r := emulators.NewRecordReader(b)
		if got := readID(&r); got != id || r.Err() != nil {
			t.Errorf("%q read back as %q (%v)", id, got, r.Err())
		}
	}
	if n := len(appendID(nil, "evt_1000000")); n != 3 {
		t.Errorf("evt_1000000 takes %d bytes, want 3", n)
	}
}
