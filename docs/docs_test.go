// Package docs holds destemu's documentation. Its test runs every shell
// example of README.md and docs/*.md, as a reader would paste them, so the
// documentation cannot drift from what destemu does.
package docs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestShellBlocks runs every fenced block tagged sh, bash or shell of
// README.md and then docs/*.md (in name order), each block in file order,
// against one fresh destemu server: the binary is built once from this
// checkout and put first on PATH, so `destemu` in a block is this
// checkout's. Conventions the blocks follow (README "Documentation"):
//
//   - A block tagged "sh norun" is shown, not run: it serves forever, needs
//     Docker or a registry, or only illustrates.
//   - A block tagged "yaml file=NAME" (or json, any language) is written to
//     NAME in the working directory when the test reaches it, as a reader
//     saves an example to run it.
//   - curl fails on an HTTP status of 400 or more, unless a comment ending
//     the command's last line, or the comment lines right after it, end in
//     that status in parentheses, "# {"message": ...}   (501)"; then that
//     status is required. A curl that writes or formats the answer itself
//     (-o, -w, -i) is left alone.
//
// The server listens on a free port and the blocks' "localhost:8080" is
// rewritten to it, so the test runs beside another destemu (or a
// colleague's test run) on 8080. The blocks run in a temporary directory
// holding links to the checkout's top-level files, so what they write
// (snapshot.json, report.xml) stays out of the checkout.
func TestShellBlocks(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the shell examples need curl on PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	var blocks []block
	for _, f := range files {
		bs, err := parseBlocks(f)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, bs...)
	}

	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "destemu"), "./cmd/destemu")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/destemu: %v\n%s", err, out)
	}
	work := filepath.Join(tmp, "work")
	if err := linkCheckout(root, work); err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, filepath.Join(bin, "destemu"), work)

	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	ran := 0
	for _, b := range blocks {
		rel, _ := filepath.Rel(root, b.file)
		where := fmt.Sprintf("%s:%d", rel, b.line)
		switch {
		case b.saveAs != "":
			if err := os.WriteFile(filepath.Join(work, b.saveAs), []byte(b.text), 0o644); err != nil {
				t.Fatalf("%s: save %s: %v", where, b.saveAs, err)
			}
		case b.shell && !b.norun:
			ran++
			script := strings.ReplaceAll(annotate(b.text), "localhost:8080", addr)
			out, err := runBlock(work, env, script)
			if err != nil {
				t.Fatalf("%s: the block failed: %v\n--- block (as run, against %s)\n%s--- output\n%s", where, err, addr, script, out)
			}
		}
	}
	if ran == 0 {
		t.Fatal("no shell block ran")
	}
	t.Logf("%d shell blocks of %d files ran", ran, len(files))
}

// block is a fenced block of a Markdown file.
type block struct {
	file   string
	line   int // of the opening fence
	shell  bool
	norun  bool
	saveAs string // the file=NAME of the info string
	text   string
}

// fence opens or closes a fenced block; the info string follows an opening
// one.
var fence = regexp.MustCompile("^(```+|~~~+)\\s*(.*)$")

// parseBlocks returns the fenced blocks of a Markdown file in order.
func parseBlocks(file string) ([]block, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out   []block
		cur   *block
		close string
		body  strings.Builder
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		m := fence.FindStringSubmatch(line)
		switch {
		case cur == nil && m != nil:
			cur, close = &block{file: file, line: n}, m[1]
			info := strings.Fields(m[2])
			if len(info) > 0 {
				switch info[0] {
				case "sh", "bash", "shell":
					cur.shell = true
				}
				info = info[1:]
			}
			for _, word := range info {
				if word == "norun" {
					cur.norun = true
				}
				if name, ok := strings.CutPrefix(word, "file="); ok {
					cur.saveAs = name
				}
			}
			body.Reset()
		case cur != nil && m != nil && m[1] == close && m[2] == "":
			cur.text = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: the fenced block is never closed", file, cur.line)
	}
	return out, nil
}

// expectedStatus is a comment that ends with an HTTP status in
// parentheses: the status the command before it is answered.
var expectedStatus = regexp.MustCompile(`^#.*\((\d{3})\)\s*$`)

// annotate puts DOCS_EXPECT=<status> in front of each command that a
// comment says is answered with an error status (the comment ending the
// command's last line, or the comment lines right after it), for the curl
// function of the prelude to check.
func annotate(script string) string {
	lines := strings.Split(script, "\n")
	start := -1 // the first line of the last command, -1 before any
	expect := func(comment string) bool {
		m := expectedStatus.FindStringSubmatch(comment)
		if m == nil || start < 0 {
			return false
		}
		lines[start] = "DOCS_EXPECT=" + m[1] + " " + lines[start]
		start = -1
		return true
	}
	var quote rune
	continued := false
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if quote == 0 && !continued {
			if strings.HasPrefix(trimmed, "#") {
				expect(trimmed)
				continue
			}
			if trimmed == "" {
				continue
			}
			start = i
		}
		var comment int
		quote, continued, comment = scanLine(line, quote)
		if comment >= 0 {
			expect(line[comment:])
		}
	}
	return strings.Join(lines, "\n")
}

// scanLine follows shell quoting across one line: the quote still open at
// its end (0 for none), whether it ends in a backslash continuation, and
// where a comment starts (-1 for none).
func scanLine(line string, quote rune) (rune, bool, int) {
	escaped := false
	for i, r := range line {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && quote != '\'':
			escaped = true
		case quote == 0 && r == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return 0, false, i
		case quote == 0 && (r == '\'' || r == '"'):
			quote = r
		case r == quote:
			quote = 0
		}
	}
	return quote, escaped, -1
}

// prelude is run before each block. curl writes the body and a newline,
// and fails on an unexpected status, saying which.
const prelude = `set -e
trap 'echo "docs test: this command failed (status $?): $BASH_COMMAND" >&2' ERR
curl() {
  local body status a
  for a in "$@"; do  # the block writes or formats the answer itself: leave it be
    case $a in -o|--output|-w|--write-out|-i|--include) command curl "$@"; return;; esac
  done
  body=$(mktemp)
  status=$(command curl -sS -o "$body" -w '%{http_code}' "$@") || { cat "$body"; rm -f "$body"; return 1; }
  cat "$body"; echo; rm -f "$body"
  if [ -n "$DOCS_EXPECT" ] && [ "$status" != "$DOCS_EXPECT" ]; then
    echo "docs test: curl $*: HTTP $status, but the comment after it says ($DOCS_EXPECT)" >&2; return 1
  fi
  if [ -z "$DOCS_EXPECT" ] && [ "$status" -ge 400 ]; then
    echo "docs test: curl $*: HTTP $status (if the example means it, end the comment after it with ($status))" >&2; return 1
  fi
}
`

// runBlock runs one block with bash in dir, within a minute, and returns
// its output (standard output and error interleaved).
func runBlock(dir string, env []string, script string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", prelude+script)
	cmd.Dir, cmd.Env = dir, env
	// A process group of its own, ended whole at the deadline: a server
	// the block started would otherwise outlive bash and hold the output.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever it left running
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after a minute (tag a block that serves forever \"sh norun\"): %w", err)
	}
	return out.Bytes(), err
}

// linkCheckout makes dir hold a symbolic link to each top-level entry of
// the checkout, so blocks read ./scenarios and .ci as from the checkout
// and write their own files beside them.
func linkCheckout(root, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// startServer starts the built destemu on a free port of 127.0.0.1 and
// returns its address once /readyz answers; the server stops when the test
// ends.
func startServer(t *testing.T, bin, dir string) string {
	t.Helper()
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// The first log line says where it listens.
	var listening struct {
		Msg, Addr string
	}
	dec := json.NewDecoder(stderr)
	for listening.Msg != "destemu listening" {
		if err := dec.Decode(&listening); err != nil {
			t.Fatalf("destemu did not say where it listens: %v", err)
		}
	}
	go func() { _, _ = io.Copy(io.Discard, dec.Buffered()); _, _ = io.Copy(io.Discard, stderr) }()
	// It listens before it says so, and is ready at once (no seeds).
	resp, err := http.Get("http://" + listening.Addr + "/readyz")
	if err != nil {
		t.Fatalf("destemu on %s: %v", listening.Addr, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("destemu on %s: /readyz answered %s", listening.Addr, resp.Status)
	}
	return listening.Addr
}

// TestAnnotate: the status a comment gives is put on the command it
// belongs to, across continuation lines and quoted newlines, and a "#"
// inside quotes or a word is not a comment.
func TestAnnotate(t *testing.T) {
	for in, want := range map[string]string{
		"curl a\n# {\"message\":\"no\"}   (501)\ncurl b\n":        "DOCS_EXPECT=501 curl a\n# {\"message\":\"no\"}   (501)\ncurl b\n",
		"curl a \\\n  -d '{\n  \"x\": 1}'\n# out\n# more (404)\n": "DOCS_EXPECT=404 curl a \\\n  -d '{\n  \"x\": 1}'\n# out\n# more (404)\n",
		"curl a   # 204 (409)\ncurl b\n":                          "DOCS_EXPECT=409 curl a   # 204 (409)\ncurl b\n",
		"curl 'a#b (400)'\ncurl c#d (400)\n":                      "curl 'a#b (400)'\ncurl c#d (400)\n",
		"# (400) before any command\ncurl a\n":                    "# (400) before any command\ncurl a\n",
	} {
		if got := annotate(in); got != want {
			t.Errorf("annotate(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
