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
	answer := map[string]any{"type": "object"}
	if rt.out != nil {
		answer = g.of(rt.out)
	}
	op := map[string]any{
		"summary":    rt.summary,
		"parameters": params,
		"responses": map[string]any{
			"2XX":     map[string]any{"description": "success", "content": jsonContent(answer)},
			"default": map[string]any{"description": "error", "content": jsonContent(map[string]any{"$ref": "#/components/schemas/Error"})},
		},
	}
	if strings.HasPrefix(rt.path, "/_emulator/") {
		// The control plane needs the admin token when the server has one;
		// without one, no authentication ({}) is an alternative.
		op["security"] = []any{map[string]any{"adminToken": []any{}}}
		if !tokenSet {
			op["security"] = append(op["security"].([]any), map[string]any{})
		}
	}
	if rt.body {
		body := map[string]any{"type": "object"}
		if rt.in != nil {
			body = g.of(rt.in)
		}
		content := jsonContent(body)
		if len(rt.bodyTypes) > 0 {
			content = map[string]any{}
			for _, t := range rt.bodyTypes {
				content[t] = map[string]any{"schema": map[string]any{"type": "object"}}
			}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}
	return op
}

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}
