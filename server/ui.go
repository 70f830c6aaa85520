package server

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/patrickmn/go-cache"

	"github.com/destemu/destemu/emulators"
)

// The web UI: server-rendered pages (html/template) and one hand-written
// script, embedded in the binary; nothing is built or fetched at run time.
// The script talks to the control plane mounted a second time under
// uiAPIPrefix, where a UI session stands in for the admin token, and
// follows the request log over server-sent events (stream.go).

//go:embed ui
var uiFiles embed.FS

const (
	uiPrefix    = "/_emulator/ui/"
	uiAPIPrefix = "/_emulator/ui/api"
	uiCookie    = "destemu_ui"
	// uiSessionTTL is how long a UI session lasts after sign-in, by the wall
	// clock: a namespace clock moved forward must not sign anyone out.
	uiSessionTTL = 12 * time.Hour
	// uiCSRFHeader must be on every changing call of the UI's API when an
	// admin token is set: a cross-site form cannot send a custom header.
	uiCSRFHeader = "X-Destemu-UI"
)

// ui holds the web UI's pages and sessions.
type ui struct {
	pages    *template.Template
	assets   http.Handler
	sessions *cache.Cache // opaque session id -> struct{}; expiry by wall clock
}

func newUI() *ui {
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil { // the embed pattern above guarantees the folder
		panic(err)
	}
	return &ui{
		pages:    template.Must(template.ParseFS(sub, "*.html")),
		assets:   http.StripPrefix(uiPrefix+"assets/", http.FileServerFS(sub)),
		sessions: cache.New(uiSessionTTL, time.Hour),
	}
}

// mountUI adds the UI's routes to r; api registers the control-plane routes
// on the group it is given.
func (s *Server) mountUI(r *gin.Engine, api func(*gin.RouterGroup)) {
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, uiPrefix) })
	r.GET("/_emulator/ui", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, uiPrefix) })
	r.GET(uiPrefix, s.uiIndex)
	r.GET(uiPrefix+"assets/*file", func(c *gin.Context) {
		c.Header("Cache-Control", "no-cache")
		s.ui.assets.ServeHTTP(c.Writer, c.Request)
	})
	r.POST(uiPrefix+"login", s.uiLogin)
	r.POST(uiPrefix+"logout", s.uiLogout)
	api(r.Group(uiAPIPrefix, s.uiAuth))
}

type uiPage struct {
	Version      string
	Protected    bool // an admin token is set
	Error        string
	Destinations []uiDestination
}

type uiDestination struct{ Slug, Name string }

func (s *Server) uiIndex(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	page := uiPage{Version: s.cfg.Version, Protected: s.cfg.AdminToken != ""}
	if page.Protected && !s.uiSignedIn(c) {
		s.uiRender(c, http.StatusOK, "login.html", page)
		return
	}
	for _, e := range s.world.Emulators() {
		page.Destinations = append(page.Destinations, uiDestination{Slug: e.Info().Slug, Name: e.Info().Name})
	}
	s.uiRender(c, http.StatusOK, "index.html", page)
}

func (s *Server) uiRender(c *gin.Context, status int, name string, page uiPage) {
	var b strings.Builder
	if err := s.ui.pages.ExecuteTemplate(&b, name, page); err != nil {
		writeError(c, emulators.Errorf(http.StatusInternalServerError, "rendering %s: %s", name, err))
		return
	}
	c.Data(status, "text/html; charset=utf-8", []byte(b.String()))
}

// uiLogin exchanges the admin token, typed once, for a session cookie.
func (s *Server) uiLogin(c *gin.Context) {
	if s.cfg.AdminToken == "" {
		c.Redirect(http.StatusSeeOther, uiPrefix)
		return
	}
	if !tokenEqual(c.PostForm("token"), s.cfg.AdminToken) {
		c.Header("Cache-Control", "no-store")
		s.uiRender(c, http.StatusUnauthorized, "login.html", uiPage{Version: s.cfg.Version, Protected: true,
			Error: "That is not the admin token."})
		return
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go 1.24+)
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	s.ui.sessions.SetDefault(id, struct{}{})
	s.setUICookie(c, id, int(uiSessionTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, uiPrefix)
}

func (s *Server) uiLogout(c *gin.Context) {
	if id, err := c.Cookie(uiCookie); err == nil {
		s.ui.sessions.Delete(id)
	}
	s.setUICookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, uiPrefix)
}

// setUICookie scopes the session cookie to the UI's own paths: the control
// plane proper never accepts it.
func (s *Server) setUICookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: uiCookie, Value: value, Path: uiPrefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.Request.TLS != nil})
}

func (s *Server) uiSignedIn(c *gin.Context) bool {
	id, err := c.Cookie(uiCookie)
	if err != nil || id == "" {
		return false
	}
	_, ok := s.ui.sessions.Get(id)
	return ok
}

// uiAuth guards the UI's mount of the control plane: with an admin token
// set, a live session (or the token itself) is required, and a changing
// call must carry uiCSRFHeader.
func (s *Server) uiAuth(c *gin.Context) {
	if s.cfg.AdminToken == "" {
		return
	}
	if !s.uiSignedIn(c) && !tokenEqual(strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer "), s.cfg.AdminToken) {
		c.Abort()
		writeError(c, emulators.Errorf(http.StatusUnauthorized, "sign in to the web UI at %s first", uiPrefix))
		return
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead && c.GetHeader(uiCSRFHeader) == "" {
		c.Abort()
		writeError(c, emulators.Errorf(http.StatusForbidden, "the web UI's calls carry the header %s", uiCSRFHeader))
	}
}

// tokenEqual compares in constant time, so the token cannot be guessed a
// byte at a time from answer times.
func tokenEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
