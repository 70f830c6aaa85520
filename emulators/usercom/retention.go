package usercom

import (
	"slices"
	"time"

	"github.com/destemu/destemu/emulators"
)

// Stored reports the app's users and stored events: event occurrences and
// page views (emulators.Retainer).
func (*Destination) Stored(st *State) (users, events int) {
	return len(st.Users), len(st.Occurrences) + len(st.PageViews)
}

// TrimEvents keeps the newest keep of the occurrences and page views
// together, and drops those older than before; User.com records no arrival
// time, so age is the event time here. The per-user indexes are rebuilt
// (emulators.Retainer).
func (*Destination) TrimEvents(st *State, keep int, before time.Time) int {
	excess := max(len(st.Occurrences)+len(st.PageViews)-keep, 0)
	// Drop the oldest of both lists, merged by event time, as one list.
	o, v := 0, 0
	for o+v < excess {
		if v == len(st.PageViews) || o < len(st.Occurrences) && st.Occurrences[o].Timestamp.Before(st.PageViews[v].Timestamp) {
			o++
		} else {
			v++
		}
	}
	o += emulators.Older(st.Occurrences[o:], before, func(oc *Occurrence) time.Time { return oc.Timestamp })
	v += emulators.Older(st.PageViews[v:], before, func(pv *PageView) time.Time { return pv.Timestamp })
	if o+v == 0 {
		return 0
	}
	st.Occurrences = slices.Clone(st.Occurrences[o:]) // fresh arrays free the dropped ones
	st.PageViews = slices.Clone(st.PageViews[v:])
	st.userOccs = make(map[int64][]*Occurrence, len(st.userOccs))
	for _, oc := range st.Occurrences {
		st.userOccs[oc.User] = append(st.userOccs[oc.User], oc)
	}
	st.userViews = make(map[int64][]*PageView, len(st.userViews))
	for _, pv := range st.PageViews {
		st.userViews[pv.User] = append(st.userViews[pv.User], pv)
	}
	return o + v
}

// nextOccurrenceID and nextPageViewID go on from the newest id, so that ids
// stay unique once retention has dropped the oldest (they start again at 1
// only when age has dropped them all).
func (st *State) nextOccurrenceID() int64 {
	if n := len(st.Occurrences); n > 0 {
		return st.Occurrences[n-1].ID + 1
	}
	return 1
}

func (st *State) nextPageViewID() int64 {
	if n := len(st.PageViews); n > 0 {
		return st.PageViews[n-1].ID + 1
	}
	return 1
}

// The platform trims the events of a long-running sandbox through these.
var _ emulators.Retainer[*State] = (*Destination)(nil)
