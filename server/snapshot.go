package server

import (
	"bytes"
	"encoding/json"
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
// because a snapshot holds every account of the server.
const DefaultSnapshotLimit = 256 << 20

// Snapshot exports all state as the document GET /_emulator/snapshot
// answers and the state file holds.
func (s *Server) Snapshot() ([]byte, error) {
	snap, err := s.world.Snapshot()
	if err != nil {
		return nil, emulators.Errorf(http.StatusInternalServerError, "snapshot: %s", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Keep "<" and "&" in user data readable in the file.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(snap); err != nil {
		return nil, emulators.Errorf(http.StatusInternalServerError, "snapshot: %s", err)
	}
	return buf.Bytes(), nil
}

// Restore replaces all state with a snapshot document, or changes nothing
// and returns a 400 *emulators.Error that says what is wrong with it.
func (s *Server) Restore(doc []byte) error {
	snap, err := emulators.ParseSnapshot(doc)
	if err != nil {
		return err
	}
	return s.world.Restore(snap)
}

// The snapshot routes are server-wide, so they do not go through api: that
// would create the namespace named in the header as a side effect.
func (s *Server) exportSnapshot(c *gin.Context) {
	doc, err := s.Snapshot()
	if err != nil {
		writeError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", doc)
}

func (s *Server) importSnapshot(c *gin.Context) {
	// One byte over the limit is read, so a document that is too large is
	// answered 413 rather than cut short and answered as broken JSON.
	doc, err := io.ReadAll(io.LimitReader(c.Request.Body, s.cfg.SnapshotLimit+1))
	if err != nil {
		writeError(c, emulators.BadRequest("reading the body: %s", err))
		return
	}
	if int64(len(doc)) > s.cfg.SnapshotLimit {
		writeError(c, emulators.Errorf(http.StatusRequestEntityTooLarge, "snapshot is larger than the %d-byte limit", s.cfg.SnapshotLimit))
		return
	}
	if err := s.Restore(doc); err != nil {
		writeError(c, err)
		return
	}
	s.log.Info("snapshot imported", "bytes", len(doc))
	c.Status(http.StatusNoContent)
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

	mu   sync.Mutex // serialises saves; guards last
	last []byte     // what the file holds, so an idle server does not rewrite it
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
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.log.Info("state file does not exist yet; starting empty", "path", path)
	case err != nil:
		return nil, fmt.Errorf("state file: %w", err)
	default:
		if err := s.Restore(data); err != nil {
			return nil, fmt.Errorf("state file %s is not a snapshot this server can load (it was left untouched; fix or move it to start): %w", path, err)
		}
		s.log.Info("state loaded", "path", path, "bytes", len(data))
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
// the state is what the file already holds).
func (f *StateFile) Save() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	started := time.Now() // a measurement for the log, not behaviour
	doc, err := f.srv.Snapshot()
	if err != nil {
		return err
	}
	if bytes.Equal(doc, f.last) {
		return nil
	}
	if err := writeFileAtomic(f.path, doc); err != nil {
		return fmt.Errorf("state file %s: %w", f.path, err)
	}
	f.last = doc
	f.srv.log.Debug("state saved", "path", f.path, "bytes", len(doc), "took", time.Since(started))
	return nil
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

// writeFileAtomic replaces path with data so that a reader (or a restart
// after a crash) sees either the old file or the new one, never a part.
func writeFileAtomic(path string, data []byte) (err error) {
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
	if _, err = tmp.Write(data); err != nil {
		return err
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
