package clock

import (
	"testing"
	"time"
)

// fixed is a base clock that only moves when the test moves it.
type fixed struct{ t time.Time }

func (f *fixed) Now() time.Time { return f.t }

func TestControlled(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	base := &fixed{t: t0}
	c := New(base)

	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("running clock = %v, want base %v", got, t0)
	}
	if _, err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	base.t = base.t.Add(time.Minute) // real time flows
	if got, want := c.Now(), t0.Add(time.Hour+time.Minute); !got.Equal(want) {
		t.Fatalf("advanced running clock = %v, want %v", got, want)
	}

	s := c.Freeze()
	base.t = base.t.Add(time.Hour) // real time flows, frozen clock does not
	if got := c.Now(); !got.Equal(s.Now) || !s.Frozen {
		t.Fatalf("frozen clock moved: %v != %v", got, s.Now)
	}
	if _, err := c.Advance(48 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Now(), s.Now.Add(48*time.Hour); !got.Equal(want) {
		t.Fatalf("advanced frozen clock = %v, want %v", got, want)
	}
	if _, err := c.Advance(-time.Second); err == nil {
		t.Fatal("negative advance accepted")
	}

	frozenAt := c.Now()
	c.Resume()
	base.t = base.t.Add(time.Second)
	if got, want := c.Now(), frozenAt.Add(time.Second); !got.Equal(want) {
		t.Fatalf("resumed clock = %v, want %v (resume continues from the frozen instant)", got, want)
	}

	set := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Set(set)
	if got := c.Now(); !got.Equal(set) {
		t.Fatalf("set running clock = %v, want %v", got, set)
	}
	c.Reset()
	if got := c.Now(); !got.Equal(base.t) {
		t.Fatalf("reset clock = %v, want real %v", got, base.t)
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "90s", want: 90 * time.Second},
		{in: "7d", want: 7 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "-2d", want: -48 * time.Hour},
		{in: "10m", want: 10 * time.Minute},
		{in: "", bad: true},
		{in: "d", bad: true},
		{in: "xd", bad: true},
		{in: "5 parsecs", bad: true},
	} {
		got, err := ParseDuration(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseDuration(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
