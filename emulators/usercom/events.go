package usercom

import (
	"fmt"

	"github.com/destemu/destemu/emulators"
)

// An app's event occurrences and page views are kept as records, oldest
// first (#18): each costs its encoded size, in memory the garbage
// collector does not scan, instead of a struct of pointers, its strings
// and (an occurrence's) properties apart. A user's are found through
// emulators.Chains by the user's id, without decoding any.
type (
	storedOccurrences = emulators.Records[Occurrence, occurrenceCodec]
	storedPageViews   = emulators.Records[PageView, pageViewCodec]
)

// occurrenceCodec writes an occurrence as a record: its time first
// (retention reads it), then its ids, event, identities and properties.
type occurrenceCodec struct{}

// Append writes an occurrence.
func (occurrenceCodec) Append(b []byte, o *Occurrence) []byte {
	b = emulators.AppendTime(b, o.Timestamp)
	b = emulators.AppendInt(b, o.ID)
	b = emulators.AppendInt(b, o.User)
	b = emulators.AppendText(b, o.Event)
	b = emulators.AppendText(b, o.UserID)
	b = emulators.AppendText(b, o.AnonymousID)
	b = emulators.AppendText(b, o.MessageID)
	return emulators.AppendObject(b, o.Properties)
}

// List names the occurrences in errors.
func (occurrenceCodec) List() string { return "occurrences" }

// Decode reads an occurrence; its properties share the record's bytes.
func (occurrenceCodec) Decode(b []byte) (Occurrence, error) {
	r := emulators.NewRecordReader(b)
	var o Occurrence
	o.Timestamp = r.Time()
	o.ID = r.Int()
	o.User = r.Int()
	o.Event = r.Text()
	o.UserID = r.Text()
	o.AnonymousID = r.Text()
	o.MessageID = r.Text()
	o.Properties = r.Object()
	return o, r.Err()
}

// pageViewCodec writes a page view as a record: its time first, then its
// ids, identities, name, URL, path, and its title, in a byte when it is
// the name (as a page without a title has it, UC-10).
type pageViewCodec struct{}

// Append writes a page view.
func (pageViewCodec) Append(b []byte, v *PageView) []byte {
	b = emulators.AppendTime(b, v.Timestamp)
	b = emulators.AppendInt(b, v.ID)
	b = emulators.AppendInt(b, v.User)
	b = emulators.AppendText(b, v.UserID)
	b = emulators.AppendText(b, v.AnonymousID)
	b = emulators.AppendText(b, v.MessageID)
	b = emulators.AppendText(b, v.Name)
	b = emulators.AppendText(b, v.URL)
	b = emulators.AppendText(b, v.Path)
	return emulators.AppendWord(b, v.Title, []string{v.Name})
}

// List names the page views in errors.
func (pageViewCodec) List() string { return "page_views" }

// Decode reads a page view.
func (pageViewCodec) Decode(b []byte) (PageView, error) {
	r := emulators.NewRecordReader(b)
	var v PageView
	v.Timestamp = r.Time()
	v.ID = r.Int()
	v.User = r.Int()
	v.UserID = r.Text()
	v.AnonymousID = r.Text()
	v.MessageID = r.Text()
	v.Name = r.Text()
	v.URL = r.Text()
	v.Path = r.Text()
	v.Title = r.Word([]string{v.Name})
	return v, r.Err()
}

// addOccurrence stores an occurrence, with the next id, on its user.
func (st *State) addOccurrence(o *Occurrence) {
	o.ID = st.nextOccurrenceID()
	st.Occurrences.Append(o)
	st.userOccs.Add(o.User)
	st.lastOccurrence = o.ID
}

// addPageView stores a page view, with the next id, on its user.
func (st *State) addPageView(v *PageView) {
	v.ID = st.nextPageViewID()
	st.PageViews.Append(v)
	st.userViews.Add(v.User)
	st.lastView = v.ID
}

// nextOccurrenceID and nextPageViewID go on from the newest id, so that ids
// stay unique once retention has dropped the oldest (they start again at 1
// only when age has dropped them all).
func (st *State) nextOccurrenceID() int64 {
	if st.Occurrences.Len() > 0 {
		return st.lastOccurrence + 1
	}
	return 1
}

func (st *State) nextPageViewID() int64 {
	if st.PageViews.Len() > 0 {
		return st.lastView + 1
	}
	return 1
}

// indexEvents links the loaded occurrences and page views to their users,
// refusing one that names no user.
func (st *State) indexEvents() (err error) {
	st.userOccs, st.lastOccurrence, err = chainUsers(&st.Occurrences, st.Users.Len(), func(o Occurrence) (int64, int64) { return o.ID, o.User })
	if err == nil {
		st.userViews, st.lastView, err = chainUsers(&st.PageViews, st.Users.Len(), func(v PageView) (int64, int64) { return v.ID, v.User })
	}
	return err
}

// chainUsers links loaded records to their users (ids reads a record's id
// and user), and returns the chains and the newest record's id.
func chainUsers[T any, C emulators.Codec[T]](items *emulators.Records[T, C], users int, ids func(T) (id, user int64)) (*emulators.Chains[int64], int64, error) {
	var codec C
	chains := emulators.NewChains[int64](items.Len())
	last := int64(0)
	for i, it := range items.All() {
		id, user := ids(it)
		if user < 1 || user > int64(users) {
			return nil, 0, fmt.Errorf("%s[%d]: missing, or its user names no user", codec.List(), i)
		}
		chains.Add(user)
		last = id
	}
	return chains, last, nil
}

// occurrencesOf and pageViewsOf decode a user's, oldest first: never nil,
// so that its JSON is [] for none.
func (st *State) occurrencesOf(user int64) []Occurrence {
	return emulators.Items(emulators.Pick[Occurrence](&st.Occurrences, st.userOccs.Of(user)))
}

func (st *State) pageViewsOf(user int64) []PageView {
	return emulators.Items(emulators.Pick[PageView](&st.PageViews, st.userViews.Of(user)))
}
