package server_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// lookupCase is one destination's users list and the filters it answers
// from an index (#18: a lookup at a million users is a map read).
type lookupCase struct {
	dest, list string
	// filters are the indexed filters; attrs, when set, is the JSON member
	// holding the attributes filtered as "attributes.<name>".
	filters []string
	attrs   string
	// message is webhook i of a writer: users, emails and names drawn from
	// small pools so that values repeat, move between users and change.
	message func(rnd *rand.Rand, i int) client.Message
}

var lookupCases = []lookupCase{
	{dest: "connect", list: "users", filters: []string{"email", "first_name", "last_name", "phone_number", "apns", "fcm", "alias"},
		message: func(rnd *rand.Rand, i int) client.Message {
			u := fmt.Sprintf("u%d", rnd.IntN(40))
			if rnd.IntN(60) == 0 { // aliases rename and merge users
				return client.Alias(fmt.Sprintf("u%d", rnd.IntN(40)), u)
			}
			m := client.Identify(u, lookupTraits(rnd))
			kind := []string{"ios", "android"}[rnd.IntN(2)]
			return m.WithContext(map[string]any{"device": map[string]any{"type": kind, "token": fmt.Sprintf("t%d", rnd.IntN(30))}})
		}},
	{dest: "promoter", list: "contacts", filters: []string{"email"},
		message: func(rnd *rand.Rand, i int) client.Message {
			return client.Identify(fmt.Sprintf("u%d", rnd.IntN(40)), lookupTraits(rnd))
		}},
	{dest: "usercom", list: "users", filters: []string{"user_id", "anonymous_id", "email", "first_name", "last_name", "phone"}, attrs: "attributes",
		message: func(rnd *rand.Rand, i int) client.Message {
			m := client.Identify(fmt.Sprintf("u%d", rnd.IntN(40)), lookupTraits(rnd))
			if rnd.IntN(4) == 0 {
				m.UserID = ""
			}
			m.AnonymousID = fmt.Sprintf("a%d", rnd.IntN(40))
			return m
		}},
}

// lookupTraits draws traits from small pools; some are left out, so that
// a field keeps its value, and names come as full names too.
func lookupTraits(rnd *rand.Rand) map[string]any {
	t := map[string]any{"email": fmt.Sprintf("e%d@example.com", rnd.IntN(25))}
	if rnd.IntN(2) == 0 {
		t["firstName"] = fmt.Sprintf("F%d", rnd.IntN(6))
		t["lastName"] = fmt.Sprintf("L%d", rnd.IntN(6))
	} else {
		t["name"] = fmt.Sprintf("F%d L%d", rnd.IntN(6), rnd.IntN(6))
	}
	if rnd.IntN(3) > 0 {
		t["phone"] = fmt.Sprintf("+1 555 %d", rnd.IntN(10))
	}
	t["plan"] = []any{"pro", "free", 7, true}[rnd.IntN(4)]
	return t
}

// TestLookupsMatchScan checks the indexes behind the users lists: four
// writers change users concurrently (emails move between users, names
// change, users are renamed and merged) while readers look them up, and
// then every indexed filter, for every value any user holds and for a
// value none holds, answers exactly what a scan of the whole list keeps.
func TestLookupsMatchScan(t *testing.T) {
	t.Parallel()
	for _, lc := range lookupCases {
		t.Run(lc.dest, func(t *testing.T) {
			t.Parallel()
			srv := testkit.Start(t)
			c := srv.Client()
			testkit.Must(c.CreateAccount(ctx, lc.dest, client.AccountSpec{ID: "a", Keys: []client.KeySpec{{Value: "k-" + lc.dest}}}))(t)
			path := "/_emulator/" + lc.dest + "/accounts/a/" + lc.list
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					rnd := rand.New(rand.NewPCG(uint64(w), 18))
					for i := range 150 {
						if _, err := c.Send(ctx, lc.dest, "k-"+lc.dest, nil, lc.message(rnd, i)); err != nil && client.StatusOf(err) != 400 {
							t.Error(err)
						}
						if i%10 == 0 { // a lookup while others write
							_ = c.Do(ctx, "GET", path, url.Values{lc.filters[0]: {"e1@example.com"}}, nil, nil)
						}
					}
				})
			}
			wg.Wait()

			checkLookups(t, c, path, lc)
			// A snapshot load rebuilds the indexes from the state.
			doc, err := c.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.RestoreSnapshot(ctx, doc); err != nil {
				t.Fatal(err)
			}
			checkLookups(t, c, path, lc)
		})
	}
}

// checkLookups compares every indexed filter's answer, for every value a
// user holds and one none holds, with a scan of the whole list.
func checkLookups(t *testing.T, c *client.Client, path string, lc lookupCase) {
	t.Helper()
	all := listItems(t, c, path, url.Values{"limit": {"100000"}})
	if len(all) < 10 {
		t.Fatalf("only %d users after the writes", len(all))
	}
	for name, values := range lookupValues(all, lc) {
		for _, v := range append(values, "held-by-none") {
			q := url.Values{name: {v}}
			got := listItems(t, c, path, q)
			want := slices.DeleteFunc(slices.Clone(all), func(it map[string]any) bool { return !holds(it, name, v, lc.attrs) })
			if mustJSON(got) != mustJSON(want) {
				t.Errorf("?%s: index answers %d items, a scan %d\n got %s\nwant %s", q.Encode(), len(got), len(want), mustJSON(got), mustJSON(want))
			}
		}
	}
}

// listItems reads one page of a list as JSON objects.
func listItems(t *testing.T, c *client.Client, path string, q url.Values) []map[string]any {
	t.Helper()
	var page struct {
		Items []map[string]any `json:"items"`
		Total int              `json:"total"`
	}
	if err := c.Do(ctx, "GET", path, q, nil, &page); err != nil {
		t.Fatalf("GET %s?%s: %v", path, q.Encode(), err)
	}
	if page.Total != len(page.Items) {
		t.Fatalf("GET %s?%s: total %d for %d items", path, q.Encode(), page.Total, len(page.Items))
	}
	return page.Items
}

// lookupValues lists, per filter, every value the users hold.
func lookupValues(all []map[string]any, lc lookupCase) map[string][]string {
	out := map[string][]string{}
	add := func(name string, v any) {
		if s := textOf(v); s != "" && !slices.Contains(out[name], s) {
			out[name] = append(out[name], s)
		}
	}
	for _, it := range all {
		for _, name := range lc.filters {
			field := name
			if name == "alias" {
				field = "aliases"
			}
			if list, ok := it[field].([]any); ok {
				for _, v := range list {
					add(name, v)
				}
			} else {
				add(name, it[field])
			}
		}
		if attrs, ok := it[lc.attrs].(map[string]any); ok {
			for k, v := range attrs {
				add("attributes."+k, v)
			}
		}
	}
	return out
}

// holds is the filter's meaning, worked out from an item's JSON.
func holds(it map[string]any, name, v, attrs string) bool {
	if attr, ok := strings.CutPrefix(name, "attributes."); ok {
		m, _ := it[attrs].(map[string]any)
		got, has := m[attr]
		return has && textOf(got) == v
	}
	if name == "alias" {
		name = "aliases"
	}
	if list, ok := it[name].([]any); ok {
		return slices.ContainsFunc(list, func(x any) bool { return textOf(x) == v })
	}
	return textOf(it[name]) == v
}

// textOf is a JSON value's text as the lists compare it.
func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64, bool:
		return fmt.Sprint(x)
	}
	return ""
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
