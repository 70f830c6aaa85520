package emulators

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/destemu/destemu/segment"
)

// DefaultLimit is the page size of a list when the call gives no limit: an
// account may hold a million users, and an answer that size helps nobody.
const DefaultLimit = 1000

// View declares a read-only list of a destination's state: where it is,
// what its items are and which filters it supports. The platform owns the
// rest, alike for every list: filters read from the query, an unknown
// query parameter refused with one message, from/to on the item's time
// (from inclusive, to exclusive, RFC 3339), paging with limit and offset,
// and the List envelope. Resource turns the declaration into a route.
type View[S, T any] struct {
	Path    string
	Summary string
	// Items returns the candidates, in the order the list answers them.
	// It may use the query to narrow them through an index (see Narrow);
	// every declared filter is still applied to what it returns.
	Items func(r *ResourceRequest, s S) ([]T, error)
	// Stored, instead of Items, returns the candidates read by position,
	// for items kept encoded and decoded when read (Records): a list then
	// decodes only the items a filter looks at, and without a filter only
	// the page it answers.
	Stored func(r *ResourceRequest, s S) (Indexed[T], error)
	// Fields are exact-match filters: ?name=value keeps the items whose
	// field reads value.
	Fields map[string]func(T) string
	// Values lists the values a field filter may take (an enumeration);
	// another value is a 400.
	Values map[string][]string
	// Multi are membership filters: ?name=value keeps the items whose list
	// holds value.
	Multi map[string]func(T) []string
	// Time is the item's time for the from and to filters; nil when the
	// list has no time range.
	Time func(T) time.Time
	// Attributes, when set, filters on free attributes: ?{AttrPrefix}{name}=value
	// keeps the items whose attribute name reads value as text (see
	// TextAttribute). It reports ok=false for a name that is no attribute
	// here (an unknown filter) and an error for a value the attribute
	// cannot take.
	Attributes func(s S, name, value string) (match func(T) bool, ok bool, err error)
	// AttrPrefix starts every attribute filter ("attributes."); empty means
	// attributes are filtered by their bare name.
	AttrPrefix string
	// Narrow names the filters Items applies itself (through an index, or
	// with a rule of its own, such as resolving an alias), with a
	// description for the OpenAPI document.
	Narrow map[string]string
	// All answers every item when the call gives no limit, instead of a
	// page of DefaultLimit: for the platform's own lists (namespaces,
	// accounts, keys, faults, sources), which answered everything before
	// they paged.
	All bool
}

// Indexed is a sequence of items read by position: Records, or any slice
// through Slice.
type Indexed[T any] interface {
	Len() int
	At(i int) T
}

// Slice reads a slice as Indexed.
type Slice[T any] []T

// Len is the slice's length.
func (s Slice[T]) Len() int { return len(s) }

// At is item i.
func (s Slice[T]) At(i int) T { return s[i] }

// Pick returns the items of seq at the given positions, in their order.
func Pick[T any](seq Indexed[T], positions []int) Indexed[T] {
	return picked[T]{seq, positions}
}

// Items reads every item of seq into a slice: never nil, so that its
// JSON is [] for none.
func Items[T any](seq Indexed[T]) []T {
	out := make([]T, seq.Len())
	for i := range out {
		out[i] = seq.At(i)
	}
	return out
}

type picked[T any] struct {
	seq       Indexed[T]
	positions []int
}

func (p picked[T]) Len() int   { return len(p.positions) }
func (p picked[T]) At(i int) T { return p.seq.At(p.positions[i]) }

// TextAttribute is the usual View.Attributes: an attribute matches when
// the item has it and its text form (segment.Text) equals the value.
func TextAttribute[S, T any](attrs func(T) map[string]any) func(S, string, string) (func(T) bool, bool, error) {
	return func(_ S, name, want string) (func(T) bool, bool, error) {
		return func(it T) bool {
			v, ok := attrs(it)[name]
			s, _ := segment.Text(v)
			return ok && s == want
		}, true, nil
	}
}

// Param is one documented query parameter of a route.
type Param struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Type is the JSON Schema type of the value: "string" or "integer";
	// Format refines it ("date-time").
	Type   string   `json:"type"`
	Format string   `json:"format,omitempty"`
	Enum   []string `json:"enum,omitempty"`
}

// ViewInfo describes a declared list for a generic reader (the OpenAPI
// document, the control plane's view listing, the web UI).
type ViewInfo struct {
	Path    string `json:"path"`
	Summary string `json:"summary"`
	// Item is the Go type of the items, for schemas.
	Item reflect.Type `json:"-"`
	// Filters are the list's own filters (limit and offset, which every
	// list takes, are not repeated).
	Filters []Param `json:"filters"`
	// Attributes is how attribute filters are spelt ("attributes.<name>"),
	// empty when the list has none.
	Attributes string `json:"attributes,omitempty"`
	TimeRange  bool   `json:"timeRange"`
}

// pagingParams are the parameters every list takes.
func (v View[S, T]) pagingParams() []Param {
	size := fmt.Sprintf("page size (default %d)", DefaultLimit)
	if v.All {
		size = "page size (default: every item)"
	}
	return []Param{
		{Name: "limit", Type: "integer", Description: size},
		{Name: "offset", Type: "integer", Description: "items to skip (default 0)"},
	}
}

// Resource turns the declaration into the list's route.
func (v View[S, T]) Resource() Resource[S] {
	info := v.info()
	return Resource[S]{
		Method: http.MethodGet, Path: v.Path, Summary: v.Summary,
		Query: append(slices.Clone(info.Filters), v.pagingParams()...),
		Out:   reflect.TypeFor[List[T]](), View: &info,
		Handle: func(r *ResourceRequest, s S) (any, error) { return v.list(r, s) },
	}
}

func (v View[S, T]) info() ViewInfo {
	info := ViewInfo{Path: v.Path, Summary: v.Summary, Item: reflect.TypeFor[T](), TimeRange: v.Time != nil}
	for _, name := range slices.Sorted(maps.Keys(v.Fields)) {
		info.Filters = append(info.Filters, Param{Name: name, Type: "string", Description: "exact match", Enum: v.Values[name]})
	}
	for _, name := range slices.Sorted(maps.Keys(v.Multi)) {
		info.Filters = append(info.Filters, Param{Name: name, Type: "string", Description: "one of the item's values"})
	}
	for _, name := range slices.Sorted(maps.Keys(v.Narrow)) {
		info.Filters = append(info.Filters, Param{Name: name, Type: "string", Description: v.Narrow[name]})
	}
	if v.Time != nil {
		info.Filters = append(info.Filters,
			Param{Name: "from", Type: "string", Format: "date-time", Description: "items at or after this time (RFC 3339, inclusive)"},
			Param{Name: "to", Type: "string", Format: "date-time", Description: "items before this time (RFC 3339, exclusive)"})
	}
	if v.Attributes != nil {
		info.Attributes = v.AttrPrefix + "<name>"
	}
	return info
}

// list answers one page of the matching items.
func (v View[S, T]) list(r *ResourceRequest, s S) (List[T], error) {
	match, limit, offset, err := v.read(r.Query, s)
	if err != nil {
		return List[T]{}, err
	}
	items, err := v.candidates(r, s)
	if err != nil {
		return List[T]{}, err
	}
	var page []T
	if match == nil { // nothing to filter: read only the page
		for i := offset; i < items.Len() && len(page) < limit; i++ {
			page = append(page, items.At(i))
		}
		return ListOf(page, items.Len()), nil
	}
	total := 0
	for i := range items.Len() {
		it := items.At(i)
		if !match(it) {
			continue
		}
		if total >= offset && len(page) < limit {
			page = append(page, it)
		}
		total++
	}
	return ListOf(page, total), nil
}

// candidates returns what Stored or Items does.
func (v View[S, T]) candidates(r *ResourceRequest, s S) (Indexed[T], error) {
	if v.Stored != nil {
		return v.Stored(r, s)
	}
	items, err := v.Items(r, s)
	return Slice[T](items), err
}

// read turns the query into one predicate (nil when nothing is filtered)
// and the page asked for, refusing an unknown parameter or a malformed
// value with a 400 that names it.
func (v View[S, T]) read(q url.Values, s S) (match func(T) bool, limit, offset int, err error) {
	limit = DefaultLimit
	if v.All {
		limit = math.MaxInt
	}
	var preds []func(T) bool
	for _, name := range slices.Sorted(maps.Keys(q)) {
		want := q.Get(name)
		var p func(T) bool
		switch get, multi := v.Fields[name], v.Multi[name]; {
		case name == "limit" || name == "offset":
			n, perr := strconv.Atoi(want)
			if perr != nil || n < 0 {
				return nil, 0, 0, BadRequest("query parameter %q: %q is not a whole number ≥ 0", name, want)
			}
			if name == "limit" {
				limit = n
			} else {
				offset = n
			}
		case get != nil:
			if allowed := v.Values[name]; allowed != nil && !slices.Contains(allowed, want) {
				return nil, 0, 0, BadRequest("query parameter %q: %q is not one of %s", name, want, strings.Join(allowed, ", "))
			}
			p = func(it T) bool { return get(it) == want }
		case multi != nil:
			p = func(it T) bool { return slices.Contains(multi(it), want) }
		case v.Narrow[name] != "":
		case v.Time != nil && (name == "from" || name == "to"):
			t, perr := time.Parse(time.RFC3339Nano, want)
			if perr != nil {
				return nil, 0, 0, BadRequest("query parameter %q: %q is not an RFC 3339 time", name, want)
			}
			if name == "from" {
				p = func(it T) bool { return !v.Time(it).Before(t) }
			} else {
				p = func(it T) bool { return v.Time(it).Before(t) }
			}
		default:
			var ok bool
			if v.Attributes != nil && strings.HasPrefix(name, v.AttrPrefix) && len(name) > len(v.AttrPrefix) {
				if p, ok, err = v.Attributes(s, name[len(v.AttrPrefix):], want); err != nil {
					return nil, 0, 0, BadRequest("query parameter %q: %s", name, err)
				}
			}
			if !ok {
				return nil, 0, 0, BadRequest("unknown query parameter %q: this list takes %s", name, v.known())
			}
		}
		if p != nil {
			preds = append(preds, p)
		}
	}
	if len(preds) == 0 {
		return nil, limit, offset, nil
	}
	return func(it T) bool {
		for _, p := range preds {
			if !p(it) {
				return false
			}
		}
		return true
	}, limit, offset, nil
}

// known lists the parameters the list takes, for the unknown-filter error.
func (v View[S, T]) known() string {
	var names []string
	for _, p := range v.info().Filters {
		names = append(names, p.Name)
	}
	if v.Attributes != nil {
		names = append(names, v.AttrPrefix+"<name>")
	}
	return strings.Join(append(names, "limit", "offset"), ", ")
}
