package usercom

import (
	"time"

	"github.com/destemu/destemu/emulators"
)

// Stored reports the app's users and stored events: event occurrences and
// page views (emulators.Retainer).
func (*Destination) Stored(st *State) (users, events int) {
	return st.Users.Len(), st.Occurrences.Len() + st.PageViews.Len()
}

// TrimEvents keeps the newest keep of the occurrences and page views
// together, and drops those older than before; User.com records no arrival
// time, so age is the event time here (emulators.Retainer). It reads only
// the records whose time it compares; the users' chains of the rest stay
// as they are.
func (*Destination) TrimEvents(st *State, keep int, before time.Time) int {
	occAt := func(i int) time.Time { return st.Occurrences.At(i).Timestamp }
	viewAt := func(i int) time.Time { return st.PageViews.At(i).Timestamp }
	occs, views := st.Occurrences.Len(), st.PageViews.Len()
	excess := max(occs+views-keep, 0)
	// Drop the oldest of both lists, merged by event time, as one list.
	o, v := 0, 0
	for o+v < excess {
		if v == views || o < occs && occAt(o).Before(viewAt(v)) {
			o++
		} else {
			v++
		}
	}
	// Then those older than before: ExpiredIn keeping all but the o (v)
	// oldest counts them and the old ones after them.
	o = emulators.ExpiredIn(&st.Occurrences, occs-o, before, func(oc Occurrence) time.Time { return oc.Timestamp })
	v = emulators.ExpiredIn(&st.PageViews, views-v, before, func(pv PageView) time.Time { return pv.Timestamp })
	st.Occurrences.Drop(o)
	st.userOccs.Drop(o)
	st.PageViews.Drop(v)
	st.userViews.Drop(v)
	return o + v
}

// The platform trims the events of a long-running sandbox through these.
var _ emulators.Retainer[*State] = (*Destination)(nil)
