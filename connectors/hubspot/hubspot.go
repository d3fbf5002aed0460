package hubspot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

const (
	defaultBaseURL    = "https://api.hubapi.com"
	defaultAPIVersion = "2026-03"
)

// New returns the factory of the "hubspot" connector kind.
func New() connectors.Factory {
	return connectors.Factory{
		Kind:     "hubspot",
		Config:   configSchema(),
		Validate: validateConfig,
		Objects:  objectSchemas,
		New: func(ctx context.Context, cfg connectors.Config, deps connectors.Deps) (connectors.Connector, error) {
			return open(cfg, deps, defaultOptions())
		},
	}
}

func configSchema() connectors.Schema {
	var objects []string
	for _, def := range builtinObjects() {
		objects = append(objects, def.name)
	}
	slices.Sort(objects)
	auth := []string{"token", "oauth"}
	return connectors.Schema{Fields: []connectors.Field{
		{Name: "token", Type: connectors.TypeString, Sensitive: true, ExactlyOneOf: auth,
			Description: "Private app or service key access token, sent as Bearer token. Use this or an oauth block."},
		{Name: "oauth", Type: connectors.TypeObject, ExactlyOneOf: auth,
			Description: "OAuth app credentials; `kopla login` stores the tokens. Use this or token.",
			Fields: []connectors.Field{
				{Name: "client_id", Type: connectors.TypeString, Required: true},
				{Name: "client_secret", Type: connectors.TypeString, Required: true, Sensitive: true},
				{Name: "scopes", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeString},
					Description: "Scopes to ask for, e.g. crm.objects.contacts.read."},
				{Name: "redirect_port", Type: connectors.TypeInteger, Min: connectors.Bound(1), Max: connectors.Bound(65535),
					Description: "Port of the local login redirect http://127.0.0.1:<port>/callback registered in the app (default: any free port)."},
			}},
		{Name: "base_url", Type: connectors.TypeString, Default: defaultBaseURL,
			Description: "API root; change it only for a test server."},
		{Name: "api_version", Type: connectors.TypeString, Default: defaultAPIVersion, Options: []string{"2026-03", "v3"},
			Description: "2026-03 (date-versioned paths) or v3 (legacy /crm/v3 paths)."},
		{Name: "property", Type: connectors.TypeList,
			Description: "A custom property the flows use (repeatable block), so that they validate offline before kopla init has read the account: " +
				"property { object = \"orders\" name = \"eaccounting_order_number\" type = \"string\" unique = true }. " +
				"The account's own definition, once discovered, takes precedence.",
			Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
				{Name: "object", Type: connectors.TypeString, Required: true, Options: objects, Description: "Object type, e.g. orders."},
				{Name: "name", Type: connectors.TypeString, Required: true, Description: "Internal property name."},
				{Name: "type", Type: connectors.TypeString, Default: "string", Options: []string{"string", "number", "bool", "date", "datetime", "enumeration"}},
				{Name: "options", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeString}, Description: "Values of an enumeration."},
				{Name: "unique", Type: connectors.TypeBool, Description: "The property has unique values (hasUniqueValue): records can be found by it."},
				{Name: "sensitive", Type: connectors.TypeBool, Description: "The values are personal data: redacted in logs and plans."},
			}}},
	}}
}

// validateConfig is Factory.Validate: what the schema cannot state.
func validateConfig(cfg connectors.Config) []connectors.SettingError {
	var errs []connectors.SettingError
	for i, p := range cfg.Blocks("property") {
		typ, opts := p.String("type"), p.Strings("options", nil)
		switch {
		case typ == "enumeration" && len(opts) == 0:
			errs = append(errs, connectors.SettingError{Path: []string{"property", strconv.Itoa(i), "options"}, Summary: "Missing setting",
				Detail: fmt.Sprintf("The property %s is an enumeration: list its values, options = [\"a\", \"b\"].", p.String("name"))})
		case typ != "enumeration" && len(opts) > 0:
			errs = append(errs, connectors.SettingError{Path: []string{"property", strconv.Itoa(i), "options"}, Summary: "Invalid value",
				Detail: fmt.Sprintf("The property %s has type %q, which has no options: remove them, or set type = \"enumeration\".", p.String("name"), typ)})
		}
	}
	return errs
}

// settings are a connection block's values as the connector uses them.
// The loader checked them against configSchema and validateConfig; only
// base_url is checked here, since an offline validate may hold a
// placeholder for a URL read from the environment.
type settings struct {
	token   string
	oauth   *oauthSettings
	baseURL *url.URL
	version string
}

type oauthSettings struct {
	clientID     string
	clientSecret string
	scopes       []string
	redirectPort int
}

func parseSettings(cfg connectors.Config, name string) (settings, error) {
	s := settings{token: strings.TrimSpace(cfg.String("token")), version: cfg.String("api_version")}
	if o := cfg.Block("oauth"); o != nil {
		s.oauth = &oauthSettings{
			clientID:     o.String("client_id"),
			clientSecret: o.String("client_secret"),
			scopes:       o.Strings("scopes", nil),
			redirectPort: int(o.Int("redirect_port", 0)),
		}
	}
	if s.version == "" {
		s.version = defaultAPIVersion
	}
	raw := cfg.String("base_url")
	if raw == "" {
		raw = defaultBaseURL
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s, fmt.Errorf("hubspot: connection %q: base_url %q is not an http(s) URL", name, raw)
	}
	s.baseURL = u
	return s, nil
}

// Connector is one HubSpot connection.
type Connector struct {
	name     string
	settings settings
	stateDir string
	logger   *slog.Logger
	opts     options
	client   *Client
	tokens   *tokenSource // nil with a static token
	objects  map[string]*object
	account  account // for record links (links.go)
}

var (
	_ connectors.Connector  = (*Connector)(nil)
	_ connectors.Discoverer = (*Connector)(nil)
	_ connectors.LoginFlow  = (*Connector)(nil)
)

func open(cfg connectors.Config, deps connectors.Deps, opts options) (*Connector, error) {
	s, err := parseSettings(cfg, deps.Name)
	if err != nil {
		return nil, err
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("connector", "hubspot", "connection", deps.Name)
	hc := deps.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: opts.timeout}
	}
	c := &Connector{
		name:     deps.Name,
		settings: s,
		stateDir: filepath.Join(deps.StateDir, "hubspot", safeName(deps.Name)),
		logger:   logger,
		opts:     opts,
	}
	var auth authenticator = staticToken(s.token)
	if s.oauth != nil {
		c.tokens = newTokenSource(c.oauthConfig(""), filepath.Join(c.stateDir, "token.json"), hc, logger)
		auth = c.tokens
	}
	c.client = newClient(s.baseURL, hc, auth, logger, opts)
	// Workers of one project share the account's burst and search windows.
	c.client.core.Shared, c.client.core.SharedKey = deps.Budgets, "hubspot."+deps.Name
	schemas, err := objectSchemas(cfg, deps)
	if err != nil {
		return nil, err
	}
	c.objects = map[string]*object{}
	defs := objectDefs()
	for name, schema := range schemas {
		c.objects[name] = newObject(c, defs[name], schema)
	}
	return c, nil
}

// Object returns the named object.
func (c *Connector) Object(name string) (connectors.Object, error) {
	o, ok := c.objects[name]
	if !ok {
		msg := fmt.Sprintf("hubspot: object %q", name)
		names := make([]string, 0, len(c.objects))
		for n := range c.objects {
			names = append(names, n)
		}
		if s := connectors.Suggest(name, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return nil, fmt.Errorf("%s: %w", msg, connectors.ErrUnknownObject)
	}
	return o, nil
}

// Paths differ between the legacy (v3) and date-versioned APIs only.

func (c *Connector) objectsPath(obj string, rest ...string) string {
	p := "/crm/objects/2026-03/" + obj
	if c.settings.version == "v3" {
		p = "/crm/v3/objects/" + obj
	}
	if len(rest) > 0 {
		p += "/" + strings.Join(rest, "/")
	}
	return p
}

func (c *Connector) assocReadPath(from, to string) string {
	if c.settings.version == "v3" {
		return "/crm/v4/associations/" + from + "/" + to + "/batch/read"
	}
	return "/crm/associations/2026-03/" + from + "/" + to + "/batch/read"
}

func (c *Connector) propertiesPath(obj string) string {
	if c.settings.version == "v3" {
		return "/crm/v3/properties/" + obj
	}
	return "/crm/properties/2026-03/" + obj
}

// safeName keeps a connection name usable as a directory name.
func safeName(name string) string {
	if name == "" {
		return "default"
	}
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r == 0 {
			return '_'
		}
		return r
	}, name)
}
