package segment

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

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
