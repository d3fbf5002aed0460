package hubspottest

import (
	"net/http"
	"strings"
)

// handlerFunc handles one routed request; it runs with s.mu held. A
// returned error is written as HubSpot's error body.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p params) *apiError

// params are the parts of a routed path.
type params struct {
	prefix string      // "/crm/v3/objects"
	typ    *objectType // {objectType} or {fromObjectType}
	to     *objectType // {toObjectType}
	id     string      // {objectId}
	toID   string      // {toObjectId}
	name   string      // {propertyName}, {groupName}, {token}
	// pipeline and stage are {pipelineId} and {stageId}.
	pipeline, stage string
}

// route is the outcome of matching a request.
type route struct {
	template string // "GET /crm/v3/objects/{objectType}/{objectId}"
	concrete string // "GET /crm/v3/objects/contacts/{objectId}"
	handler  handlerFunc
	err      *apiError // answered when handler is nil
	public   bool      // no Bearer token needed (OAuth endpoints)
	search   bool      // counts against the search limit instead of the burst limit
	exempt   bool      // exempt from the ten-secondly limit (batch associations)
	params   params
}

// cut returns the path segments after prefix.
func cut(path, prefix string) ([]string, bool) {
	if path == prefix {
		return nil, true
	}
	if rest, ok := strings.CutPrefix(path, prefix+"/"); ok {
		return strings.Split(rest, "/"), true
	}
	return nil, false
}

var (
	objectPrefixes      = []string{"/crm/v3/objects", "/crm/objects/2026-03"}
	v4ObjectPrefixes    = []string{"/crm/v4/objects", "/crm/objects/2026-03"}
	propertyPrefixes    = []string{"/crm/v3/properties", "/crm/properties/2026-03"}
	associationPrefixes = []string{"/crm/v4/associations", "/crm/associations/2026-03"}
	// labelPrefixes: HubSpot's guides give /crm/v4/associations, its v4
	// OpenAPI document /crm/associations/v4; both are served.
	labelPrefixes    = []string{"/crm/v4/associations", "/crm/associations/v4", "/crm/associations/2026-03"}
	pipelinePrefixes = []string{"/crm/v3/pipelines", "/crm/pipelines/2026-03"}
	tokenPaths       = []string{"/oauth/v1/token", "/oauth/v3/token", "/oauth/2026-03/token"}
)

// match builds a route from a template, the method and handlers per method.
type matcher struct {
	method string
	rt     route
	found  bool
}

// on sets the route when the method fits; tmpl is the path template after
// the prefix, with {objectType} placeholders filled in for the concrete key.
func (m *matcher) on(method, prefix, tmpl string, p params, h handlerFunc) {
	if m.found && m.rt.handler != nil {
		return
	}
	m.found = true
	t := prefix + tmpl
	c := t
	if p.typ != nil {
		c = strings.Replace(strings.Replace(c, "{objectType}", p.typ.name, 1), "{fromObjectType}", p.typ.name, 1)
	}
	if p.to != nil {
		c = strings.Replace(c, "{toObjectType}", p.to.name, 1)
	}
	m.rt.template, m.rt.concrete = method+" "+t, method+" "+c
	p.prefix = prefix
	m.rt.params = p
	if method != m.method {
		m.rt.template, m.rt.concrete = m.method+" "+t, m.method+" "+c
		m.rt.handler = nil
		m.rt.err = newError(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "%s is not allowed on %s", m.method, t)
		return
	}
	m.rt.handler = h
	m.rt.err = nil
}

func (s *Server) route(r *http.Request) route {
	path := strings.TrimSuffix(r.URL.Path, "/")
	m := &matcher{method: r.Method}
	unknownType := func(seg string) *apiError {
		return newError(http.StatusBadRequest, "VALIDATION_ERROR", "Unable to infer object type from: %s", seg)
	}
	typed := func(seg string, into **objectType) bool {
		t := lookupType(seg)
		if t == nil {
			m.rt.err = unknownType(seg)
			return false
		}
		*into = t
		return true
	}

	for _, pre := range v4ObjectPrefixes {
		segs, ok := cut(path, pre)
		if !ok || len(segs) < 4 || segs[2] != "associations" {
			continue
		}
		var p params
		if !typed(segs[0], &p.typ) {
			return s.failed(r, pre+"/{objectType}/{objectId}/associations", m.rt.err)
		}
		p.id = segs[1]
		switch {
		case len(segs) == 6 && segs[3] == "default":
			if !typed(segs[4], &p.to) {
				return s.failed(r, pre+"/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}", m.rt.err)
			}
			p.toID = segs[5]
			m.on(http.MethodPut, pre, "/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}", p, s.assocPutDefault)
		case len(segs) == 4:
			if !typed(segs[3], &p.to) {
				return s.failed(r, pre+"/{objectType}/{objectId}/associations/{toObjectType}", m.rt.err)
			}
			m.on(http.MethodGet, pre, "/{objectType}/{objectId}/associations/{toObjectType}", p, s.assocList)
		case len(segs) == 5:
			if !typed(segs[3], &p.to) {
				return s.failed(r, pre+"/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}", m.rt.err)
			}
			p.toID = segs[4]
			m.on(http.MethodPut, pre, "/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}", p, s.assocPutLabelled)
			m.on(http.MethodDelete, pre, "/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}", p, s.assocDelete)
		default:
			continue
		}
		return m.rt
	}

	for _, pre := range objectPrefixes {
		segs, ok := cut(path, pre)
		if !ok || len(segs) == 0 || segs[0] == "" {
			continue
		}
		var p params
		if !typed(segs[0], &p.typ) {
			return s.failed(r, pre+"/{objectType}", m.rt.err)
		}
		switch {
		case len(segs) == 1:
			m.on(http.MethodGet, pre, "/{objectType}", p, s.listObjects)
			m.on(http.MethodPost, pre, "/{objectType}", p, s.createObject)
		case len(segs) == 2 && segs[1] == "search":
			m.on(http.MethodPost, pre, "/{objectType}/search", p, s.searchObjects)
			m.rt.search = true
		case len(segs) == 3 && segs[1] == "batch":
			handlers := map[string]handlerFunc{"read": s.batchRead, "create": s.batchCreate, "update": s.batchUpdate, "upsert": s.batchUpsert, "archive": s.batchArchive}
			h, ok := handlers[segs[2]]
			if !ok {
				return s.failed(r, path, nil)
			}
			m.on(http.MethodPost, pre, "/{objectType}/batch/"+segs[2], p, h)
		case len(segs) == 2:
			p.id = segs[1]
			m.on(http.MethodGet, pre, "/{objectType}/{objectId}", p, s.getObject)
			m.on(http.MethodPatch, pre, "/{objectType}/{objectId}", p, s.updateObject)
			m.on(http.MethodDelete, pre, "/{objectType}/{objectId}", p, s.archiveObject)
		default:
			return s.failed(r, path, nil)
		}
		return m.rt
	}

	for _, pre := range propertyPrefixes {
		segs, ok := cut(path, pre)
		if !ok || len(segs) == 0 || segs[0] == "" {
			continue
		}
		var p params
		if !typed(segs[0], &p.typ) {
			return s.failed(r, pre+"/{objectType}", m.rt.err)
		}
		switch {
		case len(segs) == 1:
			m.on(http.MethodGet, pre, "/{objectType}", p, s.listProperties)
			m.on(http.MethodPost, pre, "/{objectType}", p, s.createProperty)
		case len(segs) == 3 && segs[1] == "batch" && segs[2] == "read":
			m.on(http.MethodPost, pre, "/{objectType}/batch/read", p, s.batchReadProperties)
		case len(segs) == 3 && segs[1] == "batch" && segs[2] == "create":
			m.on(http.MethodPost, pre, "/{objectType}/batch/create", p, s.batchCreateProperties)
		case len(segs) == 2 && segs[1] == "groups":
			m.on(http.MethodGet, pre, "/{objectType}/groups", p, s.listGroups)
			m.on(http.MethodPost, pre, "/{objectType}/groups", p, s.createGroup)
		case len(segs) == 3 && segs[1] == "groups":
			p.name = segs[2]
			m.on(http.MethodGet, pre, "/{objectType}/groups/{groupName}", p, s.getGroup)
		case len(segs) == 2:
			p.name = segs[1]
			m.on(http.MethodGet, pre, "/{objectType}/{propertyName}", p, s.getProperty)
			m.on(http.MethodPatch, pre, "/{objectType}/{propertyName}", p, s.updateProperty)
			m.on(http.MethodDelete, pre, "/{objectType}/{propertyName}", p, s.archiveProperty)
		default:
			return s.failed(r, path, nil)
		}
		return m.rt
	}

	for _, pre := range labelPrefixes {
		segs, ok := cut(path, pre)
		if !ok || len(segs) != 3 || segs[2] != "labels" {
			continue
		}
		var p params
		if !typed(segs[0], &p.typ) || !typed(segs[1], &p.to) {
			return s.failed(r, pre+"/{fromObjectType}/{toObjectType}/labels", m.rt.err)
		}
		m.on(http.MethodGet, pre, "/{fromObjectType}/{toObjectType}/labels", p, s.assocLabels)
		return m.rt
	}

	for _, pre := range pipelinePrefixes {
		segs, ok := cut(path, pre)
		if !ok || len(segs) == 0 || segs[0] == "" {
			continue
		}
		var p params
		if !typed(segs[0], &p.typ) {
			return s.failed(r, pre+"/{objectType}", m.rt.err)
		}
		if len(segs) > 1 {
			p.pipeline = segs[1]
		}
		switch {
		case len(segs) == 1:
			m.on(http.MethodGet, pre, "/{objectType}", p, s.listPipelines)
		case len(segs) == 2:
			m.on(http.MethodGet, pre, "/{objectType}/{pipelineId}", p, s.getPipeline)
		case len(segs) == 3 && segs[2] == "stages":
			m.on(http.MethodGet, pre, "/{objectType}/{pipelineId}/stages", p, s.listStages)
		case len(segs) == 4 && segs[2] == "stages":
			p.stage = segs[3]
			m.on(http.MethodGet, pre, "/{objectType}/{pipelineId}/stages/{stageId}", p, s.getStage)
		default:
			return s.failed(r, path, nil)
		}
		return m.rt
	}

	for _, pre := range associationPrefixes {
		segs, ok := cut(path, pre)
		if !ok || len(segs) < 4 || segs[2] != "batch" {
			continue
		}
		var p params
		if !typed(segs[0], &p.typ) || !typed(segs[1], &p.to) {
			return s.failed(r, pre+"/{fromObjectType}/{toObjectType}/batch", m.rt.err)
		}
		op := strings.Join(segs[3:], "/")
		handlers := map[string]handlerFunc{"read": s.assocBatchRead, "create": s.assocBatchCreate, "associate/default": s.assocBatchDefault, "archive": s.assocBatchArchive}
		h, ok := handlers[op]
		if !ok {
			return s.failed(r, path, nil)
		}
		m.on(http.MethodPost, pre, "/{fromObjectType}/{toObjectType}/batch/"+op, p, h)
		m.rt.exempt = true
		return m.rt
	}

	for _, tp := range tokenPaths {
		if path == tp {
			m.on(http.MethodPost, tp, "", params{}, s.tokenEndpoint)
			m.rt.public = true
			return m.rt
		}
	}
	if path == "/oauth/authorize" || (strings.HasPrefix(path, "/oauth/") && strings.HasSuffix(path, "/authorize") && strings.Count(path, "/") == 3) {
		m.on(http.MethodGet, "/oauth", "/authorize", params{}, s.authorize)
		m.rt.public = true
		return m.rt
	}
	if path == "/account-info/v3/details" || path == "/account-info/2026-03/details" {
		m.on(http.MethodGet, path, "", params{}, s.accountDetails)
		return m.rt
	}
	if segs, ok := cut(path, "/oauth/v1/access-tokens"); ok && len(segs) == 1 {
		m.on(http.MethodGet, "/oauth/v1/access-tokens", "/{token}", params{name: segs[0]}, s.tokenInfo)
		m.rt.public = true
		return m.rt
	}
	return s.failed(r, path, nil)
}

// failed is a route that answers err (nil = 404 for an unknown path).
func (s *Server) failed(r *http.Request, tmpl string, err *apiError) route {
	if err == nil {
		err = newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "No route for %s %s", r.Method, r.URL.Path)
	}
	key := r.Method + " " + tmpl
	return route{template: key, concrete: key, err: err}
}
