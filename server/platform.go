package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/wire"
)

// The platform's own lists (namespaces, accounts, keys, faults, sources)
// are declared as read views, like a destination's, so they page with
// limit and offset, refuse an unknown filter with the same message and
// answer the same envelope. They are All views: without a limit they
// answer every item, as they did before they paged.

var namespacesView = emulators.View[*Server, namespaceView]{
	All: true,
	Items: func(_ *emulators.ResourceRequest, s *Server) ([]namespaceView, error) {
		all := s.world.Namespaces()
		items := make([]namespaceView, len(all))
		for i, ns := range all {
			items[i] = viewNamespace(ns)
		}
		return items, nil
	},
}

func accountsView(dest string) emulators.View[*emulators.Namespace, emulators.AccountView] {
	return emulators.View[*emulators.Namespace, emulators.AccountView]{
		All: true,
		Items: func(_ *emulators.ResourceRequest, ns *emulators.Namespace) ([]emulators.AccountView, error) {
			all := ns.Accounts(dest)
			items := make([]emulators.AccountView, len(all))
			for i, a := range all {
				items[i] = a.View()
			}
			return items, nil
		},
		Fields: map[string]func(emulators.AccountView) string{
			"provisioned": func(a emulators.AccountView) string { return boolText(a.Provisioned) },
		},
		Values: map[string][]string{"provisioned": {"true", "false"}},
	}
}

func keysView(dest string) emulators.View[*emulators.Namespace, wire.Key] {
	return emulators.View[*emulators.Namespace, wire.Key]{
		All: true,
		Items: func(r *emulators.ResourceRequest, ns *emulators.Namespace) ([]wire.Key, error) {
			a, err := ns.Account(dest, r.Param("account"))
			if err != nil {
				return nil, err
			}
			return a.View().Keys, nil
		},
		Fields: map[string]func(wire.Key) string{
			"status":     func(k wire.Key) string { return k.Status },
			"permission": func(k wire.Key) string { return k.Permission },
		},
		Values: map[string][]string{
			"status":     {emulators.KeyActive, emulators.KeyInactive, emulators.KeyRevoked},
			"permission": {emulators.PermissionAdmin, emulators.PermissionWrite, emulators.PermissionRead},
		},
	}
}

var faultsView = emulators.View[*emulators.Namespace, emulators.FaultRule]{
	All: true,
	Items: func(_ *emulators.ResourceRequest, ns *emulators.Namespace) ([]emulators.FaultRule, error) {
		return ns.Faults.List(), nil
	},
	Fields: map[string]func(emulators.FaultRule) string{
		"kind": func(r emulators.FaultRule) string { return r.Action.Kind },
	},
	Values: map[string][]string{"kind": {emulators.FaultStatus, emulators.FaultLatency, emulators.FaultDrop, emulators.FaultTimeout}},
}

func sourcesView(w *emulators.World) emulators.View[*emulators.Namespace, emulators.Source] {
	return emulators.View[*emulators.Namespace, emulators.Source]{
		All: true,
		Items: func(_ *emulators.ResourceRequest, ns *emulators.Namespace) ([]emulators.Source, error) {
			return w.Sources(ns), nil
		},
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// viewRoute makes a platform view the GET route at path. at picks what the
// view reads from the call's namespace (the namespace itself, or the
// server for lists that span namespaces).
func viewRoute[S, T any](s *Server, path, summary string, v emulators.View[S, T], at func(*emulators.Namespace) S) route {
	res := v.Resource()
	return route{method: http.MethodGet, path: path, summary: summary, params: res.Query, out: res.Out,
		handle: s.api(func(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
			params := make(map[string]string, len(c.Params))
			for _, p := range c.Params {
				params[p.Key] = p.Value
			}
			out, err := res.Handle(&emulators.ResourceRequest{Now: ns.Clock.Now(), Params: params, Query: c.Request.URL.Query()}, at(ns))
			return http.StatusOK, out, err
		})}
}

// inNamespace is the at of the views that read the call's namespace.
func inNamespace(ns *emulators.Namespace) *emulators.Namespace { return ns }
