package emulators

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

type item struct {
	Name  string
	At    time.Time
	Tags  []string
	Attrs map[string]any
}

type bagOfItems struct{ items []item }

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

var itemsView = View[*bagOfItems, item]{
	Path:       "items",
	Items:      func(_ *ResourceRequest, s *bagOfItems) ([]item, error) { return s.items, nil },
	Fields:     map[string]func(item) string{"name": func(i item) string { return i.Name }},
	Values:     map[string][]string{"name": {"a", "b", "c"}},
	Multi:      map[string]func(item) []string{"tag": func(i item) []string { return i.Tags }},
	Time:       func(i item) time.Time { return i.At },
	Attributes: TextAttribute[*bagOfItems](func(i item) map[string]any { return i.Attrs }),
	AttrPrefix: "attributes.",
}

// counted reads items by position and counts the reads.
type counted struct {
	items []item
	reads int
}

func (c *counted) Len() int { return len(c.items) }
func (c *counted) At(i int) item {
	c.reads++
	return c.items[i]
}

// TestViewSemantics: the platform's paging, time range (from inclusive, to
// exclusive), enumerations, membership and attribute filters, alike for a
// view whose items are a slice and one whose items are read by position
// (Stored), which reads only the page when nothing is filtered.
func TestViewSemantics(t *testing.T) {
	t.Parallel()
	s := &bagOfItems{items: []item{
		{Name: "a", At: t0, Tags: []string{"x"}, Attrs: map[string]any{"n": 1.0}},
		{Name: "b", At: t0.Add(time.Hour), Tags: []string{"y"}},
		{Name: "c", At: t0.Add(2 * time.Hour), Tags: []string{"x", "y"}, Attrs: map[string]any{"n": "1"}},
	}}
	stored := itemsView
	var seq *counted
	stored.Items = nil
	stored.Stored = func(_ *ResourceRequest, s *bagOfItems) (Indexed[item], error) {
		seq = &counted{items: s.items}
		return seq, nil
	}
	t.Run("items", func(t *testing.T) { checkView(t, itemsView.Resource(), s, nil) })
	t.Run("stored", func(t *testing.T) {
		checkView(t, stored.Resource(), s, func(query string, page int) {
			q, _ := url.ParseQuery(query)
			q.Del("limit")
			q.Del("offset")
			want := len(s.items) // a filter reads every candidate
			if len(q) == 0 {
				want = page
			}
			if seq.reads != want {
				t.Errorf("%s: %d items read, want %d", query, seq.reads, want)
			}
		})
	})
}

// checkView runs the view semantics' table on a list; read, when set, is
// told each query and the size of its page.
func checkView(t *testing.T, res Resource[*bagOfItems], s *bagOfItems, read func(query string, page int)) {
	for _, tc := range []struct {
		query string
		want  []string
		total int
	}{
		{"", []string{"a", "b", "c"}, 3},
		{"limit=1", []string{"a"}, 3},
		{"limit=1&offset=1", []string{"b"}, 3},
		{"offset=5", nil, 3},
		{"limit=0", nil, 3},
		{"from=" + t0.Add(time.Hour).Format(time.RFC3339), []string{"b", "c"}, 2},
		{"to=" + t0.Add(time.Hour).Format(time.RFC3339), []string{"a"}, 1},
		{"name=b", []string{"b"}, 1},
		{"tag=x", []string{"a", "c"}, 2},
		{"attributes.n=1", []string{"a", "c"}, 2},
		{"tag=y&attributes.n=1", []string{"c"}, 1},
	} {
		q, _ := url.ParseQuery(tc.query)
		v, err := res.Handle(&ResourceRequest{Query: q}, s)
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		l := v.(List[item])
		var names []string
		for _, it := range l.Items {
			names = append(names, it.Name)
		}
		if len(names) != len(tc.want) || l.Total != tc.total || (len(names) > 0 && names[0] != tc.want[0]) {
			t.Errorf("%s: %v of %d, want %v of %d", tc.query, names, l.Total, tc.want, tc.total)
		}
		if read != nil {
			read(tc.query, len(names))
		}
	}
	for _, bad := range []string{"name=z", "limit=-1", "from=now", "colour=red", "attributes.=1"} {
		q, _ := url.ParseQuery(bad)
		if _, err := res.Handle(&ResourceRequest{Query: q}, s); err == nil {
			t.Errorf("%s accepted", bad)
		} else if e, ok := err.(*Error); !ok || e.Status != 400 {
			t.Errorf("%s: %v, want a 400", bad, err)
		}
	}
	if res.View == nil || len(res.View.Filters) != 4 || res.View.Attributes != "attributes.<name>" {
		t.Errorf("view info: %+v", res.View)
	}
}

// TestItems: Items reads a sequence into a slice, never nil; Pick reads
// the items at the positions given, in their order.
func TestItems(t *testing.T) {
	t.Parallel()
	seq := Slice[string]{"a", "b", "c"}
	if got := Items(Pick[string](seq, []int{2, 0})); !slices.Equal(got, []string{"c", "a"}) {
		t.Errorf("picked %v", got)
	}
	if got := Items(Pick[string](seq, nil)); got == nil || len(got) != 0 {
		t.Errorf("none picked: %#v, want an empty slice", got)
	}
}
