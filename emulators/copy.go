package emulators

import "reflect"

// copyForJSON returns a copy of v deep enough that json.Marshal can write
// the copy while v goes on changing: every map, slice, pointer and
// interface that encoding/json would follow (exported fields, elements,
// values) is copied; unexported fields are copied as they are, shallowly,
// since json.Marshal never reads them (they hold a destination's indexes).
//
// It lets a snapshot hold an account's lock only for the copy, not for the
// marshalling, which is several times slower: a webhook then waits for a
// copy of the account rather than for its whole JSON document (#13 item 8).
// A destination must not keep exported state behind unexported pointers
// that a MarshalJSON method of its own reads, unless the value copies
// itself (jsonCopier, as Records does).
func copyForJSON(v any) any {
	if v == nil {
		return nil
	}
	return deepCopy(reflect.ValueOf(v)).Interface()
}

// jsonCopier is a value that knows what of it a copy for json.Marshal
// must take: Records copies its table of chunks and shares their bytes,
// which never change.
type jsonCopier interface{ jsonCopy() any }

var jsonCopierType = reflect.TypeFor[jsonCopier]()

func deepCopy(v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Struct && v.CanInterface() && v.Type().Implements(jsonCopierType) {
		return reflect.ValueOf(v.Interface().(jsonCopier).jsonCopy())
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(deepCopy(v.Elem()))
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(deepCopy(v.Elem()))
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), deepCopy(it.Value()))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		if plainKind(v.Type().Elem().Kind()) {
			reflect.Copy(out, v)
			return out
		}
		for i := range v.Len() {
			out.Index(i).Set(deepCopy(v.Index(i)))
		}
		return out
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			out.Index(i).Set(deepCopy(v.Index(i)))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v) // unexported fields (and time.Time's insides) as they are
		t := v.Type()
		for i := range v.NumField() {
			if f := t.Field(i); f.IsExported() && !plainKind(f.Type.Kind()) {
				out.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return out
	}
	return v // numbers, strings, bools: values already
}

// plainKind reports whether a value of the kind holds no reference that
// json.Marshal would follow.
func plainKind(k reflect.Kind) bool {
	switch k {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Array, reflect.Struct:
		return false
	}
	return true
}
