package server

import (
	"net/http"
	"reflect"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/emulators"
)

// sourceRoutes are the control-plane routes of tracking API sources: a
// write key and its destination connections, per namespace (#15).
var (
	sourceSpec = reflect.TypeFor[emulators.SourceSpec]()
	sourceType = reflect.TypeFor[emulators.Source]()
)

func (s *Server) sourceRoutes() []route {
	const base, one = "/_emulator/sources", "/_emulator/sources/{writeKey}"
	return []route{
		viewRoute(s, base, "List the namespace's tracking API sources", sourcesView(s.world), inNamespace),
		{method: "POST", path: base, summary: "Create a source: a write key and its destination connections", in: sourceSpec, out: sourceType, handle: s.api(s.putSource(true))},
		{method: "GET", path: one, summary: "Read a source", out: sourceType, handle: s.api(s.getSource)},
		{method: "PUT", path: one, summary: "Replace a source's name and connections", in: sourceSpec, out: sourceType, handle: s.api(s.putSource(false))},
		{method: "DELETE", path: one, summary: "Delete a source", handle: s.api(s.deleteSource)},
	}
}

func (s *Server) getSource(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	src := s.world.Source(c.Param("writeKey"))
	if src == nil || src.Namespace() != ns {
		return 0, nil, emulators.NotFound("source %q does not exist in namespace %q", c.Param("writeKey"), ns.Name)
	}
	return http.StatusOK, src.View(), nil
}

// putSource creates (POST) or replaces (PUT, the write key from the path)
// a source.
func (s *Server) putSource(create bool) handlerFunc {
	return func(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
		var spec emulators.SourceSpec
		if err := decodeBody(c, &spec); err != nil {
			return 0, nil, err
		}
		status := http.StatusCreated
		if !create {
			if spec.WriteKey != "" && spec.WriteKey != c.Param("writeKey") {
				return 0, nil, emulators.BadRequest("field \"writeKey\": %q differs from the path's %q (a write key cannot change; create a new source)", spec.WriteKey, c.Param("writeKey"))
			}
			spec.WriteKey, status = c.Param("writeKey"), http.StatusOK
		}
		v, err := s.world.PutSource(ns, spec, create)
		return status, v, err
	}
}

func (s *Server) deleteSource(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	return http.StatusNoContent, nil, s.world.DeleteSource(ns, c.Param("writeKey"))
}
