package emulators

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/destemu/destemu/clock"
)

// ReadSnapshot replaces all state with the snapshot document read from r,
// as Restore does, but decoding it as it streams in: a few accounts'
// documents at a time are in memory (one a core, see loadAhead), besides
// the state being built. The
// whole document is read and checked before anything changes. progress,
// when not nil, is called before each account is read (the server moves
// its read deadline there).
//
// A document that is not a snapshot this build reads is a 400 *Error; an
// error of r itself (a body over its limit, a connection cut) is returned
// wrapped, so the caller can tell them apart with errors.As.
func (w *World) ReadSnapshot(r io.Reader, progress func()) error {
	sr := &snapshotReader{dec: json.NewDecoder(r), r: w.newRestorer(), progress: progress}
	sr.dec.DisallowUnknownFields()
	if err := sr.document(); err != nil {
		return sr.whole(err)
	}
	sr.r.swap()
	return nil
}

// whole reports a fault in the content of a document only if the document
// is whole: one cut short is reported as truncated, whatever it held
// before the cut, since that is what needs fixing first.
func (sr *snapshotReader) whole(err error) error {
	var e *Error
	if sr.broken || !errors.As(err, &e) {
		return err
	}
	for sr.depth > 0 {
		tok, terr := sr.dec.Token()
		if terr != nil {
			return sr.fault(terr)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			sr.depth++
		case json.Delim('}'), json.Delim(']'):
			sr.depth--
		}
	}
	return err
}

// snapshotReader walks a snapshot document token by token, decoding each
// account on its own.
type snapshotReader struct {
	dec      *json.Decoder
	r        *restorer
	progress func()
	depth    int  // objects and arrays open at the decoder's position
	broken   bool // the decoder failed: the document is not whole
}

func (sr *snapshotReader) document() error {
	tok, err := sr.dec.Token()
	if err == io.EOF {
		return BadRequest("snapshot is empty; want a JSON object with \"version\": %d", SnapshotVersion)
	}
	if err != nil {
		return sr.fault(err)
	}
	if tok != json.Delim('{') {
		sr.broken = true
		return BadRequest("snapshot is not a JSON object: it starts with %v", tok)
	}
	sr.depth = 1
	version := false
	for sr.dec.More() {
		key, err := sr.key()
		if err != nil {
			return err
		}
		switch key {
		case "version":
			var v *int
			if err := sr.dec.Decode(&v); err != nil {
				return sr.fault(err)
			}
			if v == nil || *v != SnapshotVersion {
				return BadRequest("snapshot version %s is not supported (this build reads version %d)", versionText(v), SnapshotVersion)
			}
			version = true
		case "namespaces":
			if err := sr.namespaces(); err != nil {
				return err
			}
		default:
			return BadRequest("snapshot: unknown field %q", key)
		}
	}
	if err := sr.delim('}'); err != nil {
		return err
	}
	switch _, err := sr.dec.Token(); {
	case err == io.EOF:
	case err != nil:
		return sr.fault(err) // the reader's own error (over the limit) or trailing junk
	default:
		return BadRequest("snapshot holds more than one JSON value")
	}
	if !version {
		return BadRequest("snapshot: field \"version\" is required (this build reads version %d)", SnapshotVersion)
	}
	return nil
}

func versionText(v *int) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(*v)
}

func (sr *snapshotReader) namespaces() error {
	if err := sr.delim('['); err != nil {
		return sr.orNull(err)
	}
	for i := 0; sr.dec.More(); i++ {
		if err := sr.namespace(i); err != nil {
			return err
		}
	}
	return sr.delim(']')
}

// namespace reads the i-th namespace. Its name comes before its accounts
// in every document this build writes; accounts given before the name are
// kept aside until it is known.
func (sr *snapshotReader) namespace(i int) error {
	if err := sr.delim('{'); err != nil {
		return err
	}
	var (
		ns      *Namespace
		clk     clock.State
		sources []Source
		pending []AccountSnapshot
	)
	for sr.dec.More() {
		key, err := sr.key()
		if err != nil {
			return err
		}
		switch key {
		case "name":
			var name string
			if err := sr.dec.Decode(&name); err != nil {
				return sr.fault(err)
			}
			if ns != nil {
				return BadRequest("snapshot: namespaces[%d]: \"name\" is given twice", i)
			}
			if ns, err = sr.r.begin(i, name); err != nil {
				return err
			}
			for j, as := range pending {
				if err := sr.r.account(i, ns, j, as); err != nil {
					return err
				}
			}
			pending = nil
		case "clock":
			if err := sr.dec.Decode(&clk); err != nil {
				return sr.fault(err)
			}
		case "sources":
			if err := sr.dec.Decode(&sources); err != nil {
				return sr.fault(err)
			}
		case "accounts":
			if err := sr.accounts(i, ns, &pending); err != nil {
				return err
			}
		default:
			return BadRequest("snapshot: namespaces[%d]: unknown field %q", i, key)
		}
	}
	if err := sr.delim('}'); err != nil {
		return err
	}
	if ns == nil {
		_, err := sr.r.begin(i, "")
		return err
	}
	return sr.r.finish(i, ns, clk, sources)
}

// accounts reads a namespace's accounts, each decoded and built on its own.
// While the reader decodes the next accounts, up to loadAhead of them are
// built (their states loaded, most of the work) on goroutines of their
// own; they are added to the namespace in document order.
func (sr *snapshotReader) accounts(i int, ns *Namespace, pending *[]AccountSnapshot) error {
	if err := sr.delim('['); err != nil {
		return sr.orNull(err)
	}
	var building []*built
	// add adds the oldest account being built; on an error, it waits for
	// the others, so that nothing is still building when the read ends.
	add := func() error {
		b := building[0]
		building = building[1:]
		<-b.done
		err := sr.r.add(i, ns, b.j, b.as, b.a, b.err)
		if err != nil {
			for _, rest := range building {
				<-rest.done
			}
			building = nil
		}
		return err
	}
	// addAll adds every account still being built, in order.
	addAll := func() error {
		for len(building) > 0 {
			if err := add(); err != nil {
				return err
			}
		}
		return nil
	}
	for j := len(*pending); sr.dec.More(); j++ {
		if sr.progress != nil {
			sr.progress()
		}
		var as AccountSnapshot
		if err := sr.dec.Decode(&as); err != nil {
			// An account before this one that fails comes first in the
			// document, so its fault is the one reported.
			if aerr := addAll(); aerr != nil {
				return aerr
			}
			return sr.fault(err)
		}
		if ns == nil {
			*pending = append(*pending, as)
			continue
		}
		b := &built{j: j, as: as, done: make(chan struct{})}
		go func() {
			defer close(b.done)
			b.a, b.err = sr.r.w.restoreAccount(ns, b.as)
		}()
		building = append(building, b)
		if len(building) >= loadAhead {
			if err := add(); err != nil {
				return err
			}
		}
	}
	if err := addAll(); err != nil {
		return err
	}
	return sr.delim(']')
}

// built is an account being built from its snapshot.
type built struct {
	j    int
	as   AccountSnapshot
	a    *Account
	err  error
	done chan struct{}
}

// loadAhead is how many accounts a snapshot read builds at once, beside
// the one it decodes: a core each.
var loadAhead = max(2, runtime.GOMAXPROCS(0))

// orNull turns the null that stands for an empty list into no error.
func (sr *snapshotReader) orNull(err error) error {
	if err == errNullList {
		return nil
	}
	return err
}

// key reads an object key.
func (sr *snapshotReader) key() (string, error) {
	tok, err := sr.dec.Token()
	if err != nil {
		return "", sr.fault(err)
	}
	key, _ := tok.(string)
	return key, nil
}

// delim reads the delimiter want; null stands for an empty array.
func (sr *snapshotReader) delim(want json.Delim) error {
	tok, err := sr.dec.Token()
	if err != nil {
		return sr.fault(err)
	}
	if tok == nil && want == '[' {
		return errNullList // null for a list: empty, as json.Unmarshal reads it
	}
	if tok != want {
		sr.broken = true
		return BadRequest("snapshot: want %q at byte %d, found %v", string(want), sr.dec.InputOffset(), tok)
	}
	if want == '{' || want == '[' {
		sr.depth++
	} else {
		sr.depth--
	}
	return nil
}

// errNullList is what delim('[') returns for a null; orNull makes it an
// empty list.
var errNullList = errors.New("null where a list was expected")

// fault describes an error of the decoder: a document cut short, one that
// is not JSON, a field of the wrong type or unknown; anything else is an
// error of the reader itself and is returned wrapped.
func (sr *snapshotReader) fault(err error) error {
	sr.broken = true
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF:
		// What a write cut short (or a copy of one) looks like.
		return BadRequest("snapshot is truncated: it ends at byte %d in the middle of the document", sr.dec.InputOffset())
	case errors.As(err, &se) && sr.depth == 0:
		return BadRequest("snapshot is not a JSON object: %s at byte %d", se.Error(), se.Offset)
	case errors.As(err, &se):
		return BadRequest("snapshot is not valid JSON: %s at byte %d", se.Error(), se.Offset)
	case errors.As(err, &te):
		return BadRequest("snapshot: field %q must be a JSON %s, not %s", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return BadRequest("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return fmt.Errorf("reading the snapshot: %w", err)
}
