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

// OpenAPI returns the control plane's OpenAPI document.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.routes {
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		var params []any
		params = append(params, map[string]any{
			"name": NamespaceHeader, "in": "header", "required": false,
			"description": "the namespace (default: default)", "schema": map[string]any{"type": "string"},
		})
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
		op := map[string]any{
			"summary":    rt.summary,
			"parameters": params,
			"responses": map[string]any{
				"2XX":     map[string]any{"description": "success", "content": jsonContent(map[string]any{"type": "object"})},
				"default": map[string]any{"description": "error", "content": jsonContent(map[string]any{"$ref": "#/components/schemas/Error"})},
			},
		}
		if rt.body {
			content := jsonContent(map[string]any{"type": "object"})
			if len(rt.bodyTypes) > 0 {
				content = map[string]any{}
				for _, t := range rt.bodyTypes {
					content[t] = map[string]any{"schema": map[string]any{"type": "object"}}
				}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		item[strings.ToLower(rt.method)] = op
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
			"schemas": map[string]any{
				"Error": map[string]any{
					"type":       "object",
					"required":   []string{"message"},
					"properties": map[string]any{"message": map[string]any{"type": "string"}},
				},
			},
			"securitySchemes": map[string]any{"adminToken": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}
