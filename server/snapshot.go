package server

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/emulators"
)

// DefaultSnapshotLimit bounds an imported snapshot unless Config says
// otherwise. It is far above the 8 MiB of other control-plane bodies
// because a snapshot holds every account of the server: an import streams,
// so the bound is on the state it builds, not on a buffer, and a server's
// own export must import again (1,000,000 stored events write about
// 250 MiB). The state file is read without a bound.
const DefaultSnapshotLimit = 1 << 30

// Snapshot exports all state as the document GET /_emulator/snapshot
// answers and the state file holds. It holds the whole document in
// memory; WriteSnapshot streams it.
func (s *Server) Snapshot() ([]byte, error) {
	var buf bytes.Buffer
	if err := s.WriteSnapshot(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteSnapshot streams the snapshot document to w, one account at a time
// (see emulators.World.WriteSnapshot).
func (s *Server) WriteSnapshot(w io.Writer) error {
	if err := s.world.WriteSnapshot(w, nil); err != nil {
		return emulators.Errorf(http.StatusInternalServerError, "snapshot: %s", err)
	}
	return nil
}

// Restore replaces all state with a snapshot document, or changes nothing
// and returns a 400 *emulators.Error that says what is wrong with it.
func (s *Server) Restore(doc []byte) error {
	return s.ReadSnapshot(bytes.NewReader(doc))
}

// The snapshot routes are server-wide, so they do not go through api: that
// would create the namespace named in the header as a side effect.
//
// The export is streamed an account at a time, and the write deadline
// moves with it: each account must reach a client within WriteTimeout, so
// a client that reads slowly gets the whole document, and one that stops
// reading is cut off and holds nothing longer than that.
func (s *Server) exportSnapshot(c *gin.Context) {
	rc := http.NewResponseController(c.Writer)
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Status(http.StatusOK)
	err := s.world.WriteSnapshot(c.Writer, func() {
		if s.cfg.WriteTimeout > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		}
	})
	if err != nil {
		// The status is sent: cut the answer short, so that the client
		// sees a broken document rather than a complete-looking one.
		s.log.Warn("snapshot export cut short", "err", err)
		panic(http.ErrAbortHandler)
	}
}

// importSnapshot refuses a body whose Content-Length is over the limit
// before reading a byte of it, and otherwise decodes it as it arrives,
// bounded by the limit (a chunked body has no length to check first). The
// read deadline moves with each account read, as the export's does.
func (s *Server) importSnapshot(c *gin.Context) {
	limit := s.cfg.SnapshotLimit
	if c.Request.ContentLength > limit {
		writeError(c, tooLarge(limit))
		return
	}
	rc := http.NewResponseController(c.Writer)
	body := http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	counted := &countingReader{r: body}
	err := s.world.ReadSnapshot(counted, func() {
		if s.cfg.ReadTimeout > 0 {
			_ = rc.SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout))
		}
	})
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(c, tooLarge(limit))
		return
	case err != nil:
		var e *emulators.Error
		if !errors.As(err, &e) {
			err = emulators.BadRequest("reading the body: %s", err)
		}
		writeError(c, err)
		return
	}
	s.log.Info("snapshot imported", "bytes", counted.n)
	c.Status(http.StatusNoContent)
}

func tooLarge(limit int64) error {
	return emulators.Errorf(http.StatusRequestEntityTooLarge, "snapshot is larger than the %d-byte limit", limit)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// StateFile keeps a server's state in a file across restarts: loaded when
// opened, saved every interval and when closed. Each save goes to a
// temporary file in the same directory, is synced to disk and then renamed
// over the old file, so a crash mid-write leaves the previous state whole.
type StateFile struct {
	srv  *Server
	path string
	stop chan struct{}
	done chan struct{}

	mu sync.Mutex // serialises saves; guards sum
	// sum is the SHA-256 of what the file holds, so an idle server does
	// not rewrite it; the document itself is not kept.
	sum [sha256.Size]byte
}

// OpenStateFile loads the state file at path into the server and starts
// saving it every interval (only at Close when interval is zero). A missing
// file is fine: the server starts empty and the file appears at the first
// save. A file that cannot be read or is not a valid snapshot (truncated,
// corrupt, of another version, naming a destination this build lacks) is
// an error, and the file is left exactly as it was, so that no state is
// lost by starting a server that cannot read it. So is a directory the
// server cannot write to: better to learn that at start than at stop.
func (s *Server) OpenStateFile(path string, interval time.Duration) (*StateFile, error) {
	f := &StateFile{srv: s, path: path, stop: make(chan struct{}), done: make(chan struct{})}
	file, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.log.Info("state file does not exist yet; starting empty", "path", path)
	case err != nil:
		return nil, fmt.Errorf("state file: %w", err)
	default:
		// Streamed, so that loading holds one account's document at a
		// time; hashed on the way, so an unchanged state is not rewritten.
		h := sha256.New()
		counted := &countingReader{r: io.TeeReader(bufio.NewReaderSize(file, 1<<20), h)}
		err := s.world.ReadSnapshot(counted, nil)
		file.Close()
		if err != nil {
			return nil, fmt.Errorf("state file %s is not a snapshot this server can load (it was left untouched; fix or move it to start): %w", path, err)
		}
		h.Sum(f.sum[:0])
		s.log.Info("state loaded", "path", path, "bytes", counted.n)
	}
	if err := f.checkDir(); err != nil {
		return nil, err
	}
	if interval > 0 {
		go f.every(interval)
	} else {
		close(f.done)
	}
	return f, nil
}

// checkDir makes sure saves can work, and removes temporary files a crash
// mid-save left behind.
func (f *StateFile) checkDir() error {
	dir := filepath.Dir(f.path)
	stale, _ := filepath.Glob(filepath.Join(dir, tempPattern(f.path)))
	for _, name := range stale {
		_ = os.Remove(name)
	}
	tmp, err := os.CreateTemp(dir, tempPattern(f.path))
	if err != nil {
		return fmt.Errorf("state file %s: cannot write to its directory: %w", f.path, err)
	}
	tmp.Close()
	return os.Remove(tmp.Name())
}

func tempPattern(path string) string { return "." + filepath.Base(path) + ".tmp-*" }

func (f *StateFile) every(interval time.Duration) {
	defer close(f.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			if err := f.Save(); err != nil {
				f.srv.log.Error("saving the state file", "path", f.path, "err", err)
			}
		}
	}
}

// Save writes the server's state to the file now (it skips the write when
// the state is what the file already holds). The document is streamed to
// a temporary file, an account at a time, and hashed on the way; the
// temporary file replaces the state file only if the hash changed. A
// failure is counted in destemu_state_file_save_failures_total.
func (f *StateFile) Save() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	started := time.Now() // a measurement for the log, not behaviour
	n, changed, err := f.save()
	if err != nil {
		f.srv.metrics.stateSaveFailures.Inc()
		return fmt.Errorf("state file %s: %w", f.path, err)
	}
	if changed {
		f.srv.metrics.stateSaves.Inc()
		f.srv.log.Debug("state saved", "path", f.path, "bytes", n, "took", time.Since(started))
	}
	return nil
}

func (f *StateFile) save() (n int64, changed bool, err error) {
	h := sha256.New()
	var sum [sha256.Size]byte
	err = writeFileAtomic(f.path, func(w io.WriteSeeker) (bool, error) {
		bw := bufio.NewWriterSize(io.MultiWriter(w, h), 1<<20)
		if err := f.srv.WriteSnapshot(bw); err != nil {
			return false, err
		}
		if err := bw.Flush(); err != nil {
			return false, err
		}
		n, _ = w.Seek(0, io.SeekCurrent)
		h.Sum(sum[:0])
		return sum != f.sum, nil
	})
	if err != nil || sum == f.sum {
		return n, false, err
	}
	f.sum = sum
	return n, true, nil
}

// Close stops the periodic saves and saves one last time. Call it after the
// HTTP server has shut down, so the last requests are in the file.
func (f *StateFile) Close() error {
	select {
	case <-f.stop:
	default:
		close(f.stop)
	}
	<-f.done
	return f.Save()
}

// writeFileAtomic replaces path with what write writes, so that a reader
// (or a restart after a crash) sees either the old file or the new one,
// never a part. When write reports that nothing changed, the temporary
// file is removed and path left alone.
func writeFileAtomic(path string, write func(io.WriteSeeker) (changed bool, err error)) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// Keep the permissions of the file it replaces; a new file gets
	// CreateTemp's 0600, fitting a file that holds API keys.
	if fi, statErr := os.Stat(path); statErr == nil {
		if err = tmp.Chmod(fi.Mode().Perm()); err != nil {
			return err
		}
	}
	changed, err := write(tmp)
	if err != nil {
		return err
	}
	if !changed {
		tmp.Close()
		return os.Remove(tmp.Name())
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Sync the directory too, so the rename itself survives a power cut.
	// Some systems cannot sync a directory; the rename is still atomic.
	if d, dirErr := os.Open(dir); dirErr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ReadSnapshot replaces all state with the snapshot document read from r,
// decoding it as it streams (see emulators.World.ReadSnapshot); like
// Restore, a document it cannot load changes nothing.
func (s *Server) ReadSnapshot(r io.Reader) error {
	return s.world.ReadSnapshot(r, nil)
}
