package segment

import (
	"encoding/json"
	"testing"
)

// benchProperties is the properties of the perf method's Order Completed
// track (server/testdata/loadgen-pairs.json), the largest object a stored
// Startdeliver event keeps.
const benchProperties = `{"affiliation":"Web Store","checkout_id":"chk-1","coupon":"spring","currency":"USD",` +
	`"discount":2.5,"order_id":"ord-r1-m13","plan":"premium","products":[` +
	`{"category":"Games","name":"Monopoly: 3rd Edition","price":19,"product_id":"507f1f77bcf86cd799439011","quantity":1,"sku":"45790-32"},` +
	`{"category":"Games","name":"Uno Card Game","price":3.5,"product_id":"505bd76785ebb509fc183733","quantity":1,"sku":"46493-32"}],` +
	`"revenue":25,"seats":3,"shipping":3,"subtotal":22.5,"tax":2,"total":27.5}`

func benchObjectMap(b *testing.B) map[string]any {
	m, err := parseObject([]byte(benchProperties))
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkNewObject is what a webhook pays to store an event's properties.
func BenchmarkNewObject(b *testing.B) {
	m := benchObjectMap(b)
	b.ReportAllocs()
	for b.Loop() {
		NewObject(m)
	}
}

// BenchmarkObjectMarshal is what a read or an export pays per object.
func BenchmarkObjectMarshal(b *testing.B) {
	o := NewObject(benchObjectMap(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkObjectMap is what an identify pays to merge new traits into
// the stored ones.
func BenchmarkObjectMap(b *testing.B) {
	o := NewObject(benchObjectMap(b))
	b.ReportAllocs()
	for b.Loop() {
		o.Map()
	}
}

// BenchmarkObjectGet looks a member up by a name in another casing.
func BenchmarkObjectGet(b *testing.B) {
	o := NewObject(benchObjectMap(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := o.Get("Order ID"); !ok {
			b.Fatal("not found")
		}
	}
}

// BenchmarkObjectUnmarshal is what loading a state file pays per object,
// as destemu writes it.
func BenchmarkObjectUnmarshal(b *testing.B) {
	data, err := json.Marshal(NewObject(benchObjectMap(b)))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var o Object
		if err := o.UnmarshalJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}
