package emulators

import "github.com/destemu/destemu/wire"

// List is the envelope of every control-plane list: the items of the page
// asked for and how many items match in all.
type List[T any] = wire.List[T]

// ListOf wraps a page of items, of total matching, as a List; nil items
// become [] so that the JSON always holds an array.
func ListOf[T any](items []T, total int) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Total: total}
}

// ListAll wraps every matching item as a List.
func ListAll[T any](items []T) List[T] { return ListOf(items, len(items)) }
