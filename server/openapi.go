package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// openAPI serves an OpenAPI 3.1 document of the control plane, built from
// the same route table that registers the routes.
func (s *Server) openAPI(c *gin.Context) {
	c.JSON(http.StatusOK, s.OpenAPI())
}

// OpenAPI returns the control plane's OpenAPI document: every route of the
// route table with its parameters, and the schemas of its body and answer
// reflected from their Go types (see schemas).
func (s *Server) OpenAPI() map[string]any {
	g := newSchemas()
	paths := map[string]any{}
	for _, rt := range s.routes {
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = operation(g, rt, s.cfg.AdminToken != "")
	}
	g.defs["Error"] = map[string]any{
		"type":       "object",
		"required":   []string{"message"},
		"properties": map[string]any{"message": map[string]any{"type": "string"}},
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "destemu control plane",
			"version":     s.cfg.Version,
			"description": "Accounts, keys, vendor-side state, the request log and the clock of each namespace.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas":         g.defs,
			"securitySchemes": map[string]any{"adminToken": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

// operation documents one route.
func operation(g *schemas, rt route, tokenSet bool) map[string]any {
	params := []any{map[string]any{
		"name": NamespaceHeader, "in": "header", "required": false,
		"description": "the namespace (default: default)", "schema": map[string]any{"type": "string"},
	}}
	for _, part := range strings.Split(rt.path, "/") {
		if strings.HasPrefix(part, "{") {
			params = append(params, map[string]any{
				"name": strings.Trim(part, "{}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"},
			})
		}
	}
	for _, q := range rt.query {
		params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
	}
	for _, p := range rt.params {
		schema := map[string]any{"type": p.Type}
		if p.Format != "" {
			schema["format"] = p.Format
		}
		if len(p.Enum) > 0 {
			schema["enum"] = p.Enum
		}
		params = append(params, map[string]any{"name": p.Name, "in": "query", "required": false,
			"description": p.Description, "schema": schema})
	}
	op := map[string]any{
		"summary":    rt.summary,
		"parameters": params,
		"responses": map[string]any{
			"default": map[string]any{"description": "error", "content": jsonContent(map[string]any{"$ref": "#/components/schemas/Error"})},
		},
	}
	op["responses"].(map[string]any)[successKey(rt)] = success(g, rt)
	if strings.HasPrefix(rt.path, "/_emulator/") {
		// The control plane needs the admin token when the server has one;
		// without one, no authentication ({}) is an alternative.
		op["security"] = []any{map[string]any{"adminToken": []any{}}}
		if !tokenSet {
			op["security"] = append(op["security"].([]any), map[string]any{})
		}
	}
	if rt.in != nil || len(rt.bodyTypes) > 0 {
		content := map[string]any{}
		if rt.in != nil {
			content = jsonContent(g.of(rt.in))
		}
		for _, t := range rt.bodyTypes {
			content[t] = map[string]any{"schema": g.scenarioFile()}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}
	return op
}

// successKey is the status of a route's success: 204 for a route that
// answers nothing, any 2XX otherwise (201 for a creation, 200 else).
func successKey(rt route) string {
	if rt.out == nil && len(rt.text) == 0 {
		return "204"
	}
	return "2XX"
}

// success documents a route's successful answer: the schema reflected from
// its out type, and its text forms.
func success(g *schemas, rt route) map[string]any {
	if rt.out == nil && len(rt.text) == 0 {
		return map[string]any{"description": "no content"}
	}
	content := map[string]any{}
	if rt.out != nil {
		content = jsonContent(g.of(rt.out))
	}
	for _, t := range rt.text {
		content[t] = map[string]any{"schema": map[string]any{"type": "string"}}
	}
	return map[string]any{"description": "success", "content": content}
}

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}
