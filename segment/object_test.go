package segment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// objectCases are JSON objects an Object reads, each exercising the packed
// form: every kind of value, texts whose length takes a tag or a uvarint,
// keys that are odd, out of order or given twice, escapes and white space.
var objectCases = []string{
	`{}`, `null`, ` { } `,
	`{"a":1,"b":[true,false,null,{"c":"x"}],"d":{"e":-0.5e+3}}`,
	`{"":1,"a":2}`,
	`{"a":"é ✓"}`,
	`{"b":1,"a":2}`, // keys out of order
	`{"a":1,"a":2}`, // a key twice: the last wins
	`{"b":{"y":1,"x":2,"y":3},"a":[{"d":4,"c":5}]}`, // and deeper
	`{"a": 1}`,                       // a space
	`{"a":"\u00e9\"\\\/\b\f\n\r\t"}`, // escapes
	`{"a":"<b>&amp;","\u003c":1}`,    // what AppendString escapes
	"{\"a\":\"\u2028\u2029\"}",       // and these
	`{"lone":"\ud800","pair":"\ud83d\ude00"}`,
	`{"n":[0,-0,1.50,1E+2,1e-7,12345678901234567890123456789,-1.0e10]}`,
	`{"e":[],"o":{},"x":[[],{},[{}]]}`,
	`{"s":"` + strings.Repeat("x", 30) + `","t":"` + strings.Repeat("y", 31) + `","u":"` + strings.Repeat("z", 20000) + `"}`,
	`{"` + strings.Repeat("k", 64) + `":1,"` + strings.Repeat("k", 65) + `":2,"` + strings.Repeat("é", 500) + `":3}`,
	`{"\u0000":0,"\"":1,"\\":2,"a\nb":3,"ключ":4,"😀":5}`,
	`{"a":1}x`,                                        // trailing data
	`{"a":01}`, `{"a":1.}`, `{"a":[1,]}`, `{"a":tru}`, // bad literals
	`{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", // bad strings
	`{"a" 1}`, `{"a":1 "b":2}`, `{a:1}`, `{"a":1,}`, `{`, // bad objects
	`[1]`, `"s"`, `12`, ``, `nul`, // not objects
	`{"a":` + strings.Repeat(`[`, 9999) + strings.Repeat(`]`, 9999) + `}`,   // as deep as the parser goes
	`{"a":` + strings.Repeat(`[`, 10000) + strings.Repeat(`]`, 10000) + `}`, // deeper
}

// TestObjectUnmarshal: what UnmarshalJSON packs is what NewObject packs of
// the map the parser decodes, and it refuses what the parser refuses, with
// the parser's error.
func TestObjectUnmarshal(t *testing.T) {
	for _, in := range objectCases {
		checkUnmarshal(t, []byte(in))
	}
}

// FuzzUnmarshalObject: for any input, packing its JSON directly agrees
// with decoding it and packing the map, and the object writes the JSON
// encoding/json writes of that map.
func FuzzUnmarshalObject(f *testing.F) {
	for _, in := range append(objectCases, parseCases...) {
		f.Add([]byte(in))
	}
	f.Fuzz(checkUnmarshal)
}

func checkUnmarshal(t *testing.T, data []byte) {
	var o Object
	err := o.UnmarshalJSON(data)
	if !utf8.Valid(data) {
		if err == nil {
			t.Fatalf("%.80q: read, not UTF-8", data)
		}
		return
	}
	j := jsonPacker{packer: &packer{keys: keys}, data: data}
	packed := j.top()
	m, perr := parseObject(data)
	switch {
	case packed != (perr == nil):
		t.Fatalf("%.80q: the packer reads it: %v; the parser: %v", data, packed, perr)
	case perr != nil:
		if err == nil || err.Error() != "not a JSON object: "+perr.Error() {
			t.Fatalf("%.80q: error %v, the parser's %q", data, err, perr)
		}
		return
	case err != nil:
		t.Fatalf("%.80q: %v", data, err)
	}
	if want := NewObject(m); !o.Equal(want) {
		t.Fatalf("%.80q: packed %x, NewObject packs %x", data, o.raw, want.raw)
	}
	checkObject(t, o, m)
}

// checkObject: o answers as m does and writes the JSON json.Marshal writes.
func checkObject(t *testing.T, o Object, m map[string]any) {
	t.Helper()
	want, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if m == nil {
		want = []byte("{}")
	}
	got, err := json.Marshal(o)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("marshal:\n got %.200s (%v)\nwant %.200s", got, err, want)
	}
	if got, _ := AppendJSON([]byte("x"), o); string(got) != "x"+string(want) {
		t.Fatalf("AppendJSON: %.200s", got)
	}
	back := decodeNumbers(want)
	if got := o.Map(); !reflect.DeepEqual(got, back) {
		t.Fatalf("Map:\n got %#.200v\nwant %#.200v", got, back)
	}
	if o.Empty() != (len(back) == 0) {
		t.Fatalf("Empty() = %v with %d members", o.Empty(), len(back))
	}
	for k := range back {
		for _, name := range []string{k, strings.ToUpper(k), "_" + k, k + "x"} {
			got, ok := o.Get(name)
			want, wok := Get(back, name)
			if ok != wok || !reflect.DeepEqual(got, want) {
				t.Fatalf("Get(%.40q) = %v %v, want %v %v", name, got, ok, want, wok)
			}
		}
	}
}

// decodeNumbers decodes JSON as the parser does, numbers as json.Number.
func decodeNumbers(data []byte) map[string]any {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		panic(err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// TestObjectValues: an object made from a map answers as the map and
// writes what json.Marshal writes of it, for every kind of value a map may
// hold (the Go types AppendJSON writes without reflection, and others: a
// struct's fields keep their order).
func TestObjectValues(t *testing.T) {
	type pair struct{ B, A int }
	for _, m := range []map[string]any{
		nil, {},
		{"null": nil, "t": true, "f": false, "s": "", "n": json.Number("1.50"), "o": map[string]any{}, "a": []any{}},
		{"int": 7, "neg": int64(-9223372036854775808), "big": uint64(18446744073709551615), "zero": json.Number("")},
		{"strs": []string{"a", "<"}, "none": []string(nil), "nilmap": map[string]any(nil)},
		{"float": 0.1, "struct": pair{B: 1, A: 2}, "time": now, "ptr": &pair{}},
		{"nested": map[string]any{"z": []any{map[string]any{"y": []any{1, "2", nil}}}}},
		{"obj": NewObject(map[string]any{"k": "v"}), "empty": Object{}},
		{"bad\xffkey": "bad\xfevalue\xe2\x80", "\xed\xa0\x80": 1, "a\xfe": 1, "a\xff": 2}, // not UTF-8: written \ufffd
		{strings.Repeat("long", 100): strings.Repeat("v", 1<<16), "": "empty key"},
	} {
		o := NewObject(m)
		checkObject(t, o, m)
		data, _ := json.Marshal(o)
		var back Object
		if err := json.Unmarshal(data, &back); err != nil || !back.Equal(NewObject(decodeNumbers(data))) {
			t.Fatalf("%s: read back %x (%v)", data, back.raw, err)
		}
	}
}

// TestObjectNilSlice: a nil []any is written [] as AppendJSON writes it
// (json.Marshal writes null), as before the packed form.
func TestObjectNilSlice(t *testing.T) {
	if got, _ := json.Marshal(NewObject(map[string]any{"a": []any(nil)})); string(got) != `{"a":[]}` {
		t.Fatalf("got %s", got)
	}
}

// TestObjectDeep: objects as deep as the parser reads are packed, written
// and decoded (the recursion stays within the stack).
func TestObjectDeep(t *testing.T) {
	in := strings.Repeat(`{"a":`, maxParseDepth-1) + `{}` + strings.Repeat(`}`, maxParseDepth-1)
	var o Object
	if err := o.UnmarshalJSON([]byte(in)); err != nil {
		t.Fatal(err)
	}
	if got, _ := o.MarshalJSON(); string(got) != in {
		t.Fatalf("written back as %.100s…", got)
	}
	m := o.Map()
	for range maxParseDepth - 1 {
		m = m["a"].(map[string]any)
	}
	if len(m) != 0 {
		t.Fatalf("innermost %v", m)
	}
	if !NewObject(o.Map()).Equal(o) {
		t.Fatal("packed again differently")
	}
	deeper := `{"a":` + in + `}`
	if err := o.UnmarshalJSON([]byte(deeper)); err == nil || !strings.Contains(err.Error(), "exceeded max depth") {
		t.Fatalf("deeper than the parser goes: %v", err)
	}
}

// TestObjectGet: an exact key first, else the least key in another
// casing ("TOTALPRICE" < "Total Price"), decoding only that member (G-9).
func TestObjectGet(t *testing.T) {
	var o Object
	if err := o.UnmarshalJSON([]byte(`{"total_price":1,"Total Price":2,"TOTALPRICE":3,"a":{"b":[1]},"a":"last"}`)); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]any{"Total Price": json.Number("2"), "totalprice": json.Number("3"), "a": "last", "A": "last"} {
		if got, ok := o.Get(name); !ok || got != want {
			t.Errorf("Get(%q) = %v %v, want %v", name, got, ok, want)
		}
	}
	if _, ok := o.Get("b"); ok {
		t.Error("a nested key was found")
	}
	if _, ok := (Object{}).Get(""); ok {
		t.Error("found in {}")
	}
}

// TestObjectBinary: an object's stored form inside a record's bytes reads
// back as the same object, and a record cut short is an error.
func TestObjectBinary(t *testing.T) {
	for _, m := range []map[string]any{nil, {"a": "b"}, {"n": json.Number("1.50"), "x": []any{true, nil, map[string]any{"k": "v"}}}} {
		o := NewObject(m)
		b, err := o.AppendBinary([]byte("pre"))
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, "post"...)
		got, rest, err := ReadObject(b[3:])
		if err != nil || !got.Equal(o) || string(rest) != "post" {
			t.Fatalf("%v: got %x rest %q err %v", m, got.raw, rest, err)
		}
		checkObject(t, got, m)
	}
	if _, _, err := ReadObject([]byte{5, '{'}); err == nil {
		t.Fatal("a truncated record read")
	}
}

// TestObjectKeysInterned: the keys of a stored object are ids, so that a
// key repeated in every event costs a byte or two in each, not its text.
func TestObjectKeysInterned(t *testing.T) {
	m := map[string]any{"checkout_id": "c", "product_id": "p"}
	o := NewObject(m)
	if len(o.raw) > 2*(1+2) {
		t.Fatalf("packed in %d bytes: %x", len(o.raw), o.raw)
	}
	long := strings.Repeat("k", maxInternedKey+1)
	if o := NewObject(map[string]any{long: 1}); !bytes.Contains(o.raw, []byte(long)) {
		t.Fatalf("a key longer than %d bytes is interned", maxInternedKey)
	}
}

// TestKeyTableLimit: past its limit the table holds no more keys, the
// keys it holds keep their ids, and objects keep answering exactly; so
// input with ever new keys costs the table at most its limit.
func TestKeyTableLimit(t *testing.T) {
	tab := newKeyTable(4)
	pack := func(m map[string]any) []byte {
		p := packer{keys: tab}
		if err := p.members(m); err != nil {
			t.Fatal(err)
		}
		return p.b
	}
	first := map[string]any{"a": 1, "b": 2, "c": []any{map[string]any{"a": true}}}
	rawFirst := pack(first)
	if tab.count() != 3 || tab.full.Load() {
		t.Fatalf("%d keys, full %v", tab.count(), tab.full.Load())
	}
	for i := range 100 {
		m := map[string]any{fmt.Sprintf("new%d", i): i, "e": map[string]any{"a": "x"}}
		if i == 0 {
			m["d"] = 0
		}
		raw := pack(m)
		if tab.count() != 4 || !tab.full.Load() {
			t.Fatalf("%d keys, full %v", tab.count(), tab.full.Load())
		}
		if !bytes.Contains(raw, []byte(fmt.Sprintf("new%d", i))) || !bytes.Contains(raw, []byte("e")) {
			t.Fatalf("a new key is not inline: %x", raw)
		}
		checkPacked(t, tab, raw, m)
		j := jsonPacker{packer: &packer{keys: tab}, data: mustJSON(t, m)}
		if !j.top() || !bytes.Equal(j.b, raw) {
			t.Fatalf("from JSON %x, from the map %x", j.b, raw)
		}
	}
	if again := pack(first); !bytes.Equal(again, rawFirst) {
		t.Fatalf("the same map packed as %x then %x", rawFirst, again)
	}
	checkPacked(t, tab, rawFirst, first)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkPacked: packed members, read with tab's keys, write m's JSON and
// decode to m's decoded JSON.
func checkPacked(t *testing.T, tab *keyTable, raw []byte, m map[string]any) {
	t.Helper()
	want := mustJSON(t, m)
	got, _ := appendMembersJSON(nil, tab.snapshot(), raw)
	if !bytes.Equal(got, want) {
		t.Fatalf("wrote %s, want %s", got, want)
	}
	u := unpacker{names: tab.snapshot()}
	if back, _ := u.members(raw); !reflect.DeepEqual(back, decodeNumbers(want)) {
		t.Fatalf("decoded %v", back)
	}
}

// TestKeyTableConcurrent: goroutines interning the same keys at once get
// the same ids, and each id names its key (run with -race).
func TestKeyTableConcurrent(t *testing.T) {
	t.Parallel()
	tab := newKeyTable(300)
	const workers, n = 8, 400
	ids := make([][]uint32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for round := range 3 {
				for i := range n {
					k := fmt.Sprintf("key-%d", (i*7+w+round)%n)
					id, ok := tab.id(k)
					if round == 2 && w == 0 {
						ids[w] = append(ids[w], id)
					}
					if ok && tab.snapshot()[id].name != k {
						t.Errorf("id %d is %q, not %q", id, tab.snapshot()[id].name, k)
					}
				}
			}
		})
	}
	wg.Wait()
	if tab.count() != 300 || !tab.full.Load() {
		t.Fatalf("%d keys, full %v", tab.count(), tab.full.Load())
	}
	for id, k := range tab.snapshot() {
		if got, ok := tab.id(k.name); !ok || got != uint32(id) {
			t.Fatalf("%q: id %d %v, want %d", k.name, got, ok, id)
		}
		if want := string(AppendString(nil, k.name)) + ":"; k.member != want {
			t.Fatalf("%q written as %q", k.name, k.member)
		}
	}
}

// TestObjectConcurrent: objects made, read and written at once by many
// goroutines, their keys new to the table (run with -race).
func TestObjectConcurrent(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				m := map[string]any{fmt.Sprintf("concurrent-%d", i%50): "v", "shared": json.Number(fmt.Sprint(w))}
				o := NewObject(m)
				data, _ := json.Marshal(o)
				var back Object
				if err := json.Unmarshal(data, &back); err != nil || !back.Equal(o) || !reflect.DeepEqual(back.Map(), m) {
					t.Errorf("%s: %v", data, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
