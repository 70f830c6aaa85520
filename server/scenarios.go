package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/scenarios"
)

// maxScenario bounds a posted scenario (a library file is a few KiB).
const maxScenario = 1 << 20

// Client returns a typed client of this server that calls its handler in
// memory, with no socket, carrying the admin token when one is set: what
// the server uses to run posted scenarios and to seed itself at start.
func (s *Server) Client() *client.Client {
	return client.New("http://destemu.internal", client.WithHandler(s.engine), client.WithAdminToken(s.cfg.AdminToken))
}

// runScenario serves POST /_emulator/scenarios: it parses the body (YAML, or
// JSON, which YAML reads too), runs it against the server itself in a fresh
// namespace (deleted afterwards unless ?keep=true) and answers the report,
// 200 whether the scenario passed or not: the report's "result" says. A
// scenario that does not parse, or names a destination the server does
// not emulate, is a 400 whose message lists every problem with its line.
func (s *Server) runScenario(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxScenario+1))
	if err != nil {
		writeError(c, emulators.BadRequest("reading the body: %s", err))
		return
	}
	if len(body) > maxScenario {
		writeError(c, emulators.Errorf(http.StatusRequestEntityTooLarge, "a scenario is limited to %d bytes", maxScenario))
		return
	}
	format := c.DefaultQuery("format", scenarios.FormatJSON)
	if format != scenarios.FormatJSON && format != scenarios.FormatText && format != scenarios.FormatJUnit {
		writeError(c, emulators.BadRequest("query \"format\" must be json, text or junit"))
		return
	}
	sc, err := scenarios.Parse("scenario", body)
	if err != nil {
		writeError(c, emulators.BadRequest("%s", err))
		return
	}
	opts := scenarios.Options{KeepNamespace: c.Query("keep") == "true"}
	rep, err := scenarios.RunWith(c.Request.Context(), s.Client(), sc, opts)
	var errs scenarios.Errors
	switch {
	case errors.As(err, &errs):
		writeError(c, emulators.BadRequest("%s", err))
		return
	case err != nil:
		writeError(c, emulators.Errorf(http.StatusInternalServerError, "running the scenario: %s", err))
		return
	}
	if format == scenarios.FormatJSON {
		writeJSON(c, http.StatusOK, rep)
		return
	}
	var b strings.Builder
	_ = scenarios.WriteReports(&b, format, []scenarios.Report{rep})
	ct := "text/plain; charset=utf-8"
	if format == scenarios.FormatJUnit {
		ct = "application/xml; charset=utf-8"
	}
	c.Data(http.StatusOK, ct, []byte(b.String()))
}

// Seed applies the setup of each scenario file (accounts, then control-plane
// calls; never its steps) into the default namespace, keys as written, so a
// sandbox starts provisioned (destemu --seed). Every file is parsed before
// anything is applied; the first problem stops it, naming file and line.
func (s *Server) Seed(ctx context.Context, files ...string) error {
	parsed := make([]*scenarios.Scenario, 0, len(files))
	for _, f := range files {
		sc, err := scenarios.ParseFile(f)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		parsed = append(parsed, sc)
	}
	c := s.Client()
	for _, sc := range parsed {
		if err := scenarios.Seed(ctx, c, sc); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		s.log.Info("seeded", "file", sc.File, "accounts", len(sc.Setup.Accounts), "calls", len(sc.Setup.Calls))
	}
	return nil
}
