package eaccounting

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/kopla-dev/kopla/connectors"
)

// Defaults of the connection settings.
const (
	DefaultBaseURL     = "https://eaccountingapi.vismaonline.com/v2"
	DefaultIdentityURL = "https://identity.vismaonline.com"
	DefaultRateLimit   = 600 // requests per minute per endpoint, as documented
)

// defaultScopes are the scopes a login asks for: the API, a refresh token,
// sales (customers, articles, orders, invoices) and read access to
// accounting data (VAT codes, accounts, fiscal years).
var defaultScopes = []string{"ea:api", "offline_access", "ea:sales", "ea:accounting_readonly"}

// New returns the factory of the "eaccounting" connector kind.
func New() connectors.Factory {
	scopes := make([]any, len(defaultScopes))
	for i, s := range defaultScopes {
		scopes[i] = s
	}
	return connectors.Factory{
		Kind: "eaccounting",
		Config: connectors.Schema{Fields: []connectors.Field{
			{Name: "client_id", Type: connectors.TypeString, Required: true,
				Description: "the OAuth client id of the Visma Developer Portal application"},
			{Name: "client_secret", Type: connectors.TypeString, Required: true, Sensitive: true,
				Description: "the OAuth client secret"},
			{Name: "scopes", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeString}, Default: scopes,
				Description: "the OAuth scopes kopla login asks for"},
			{Name: "base_url", Type: connectors.TypeString, Default: DefaultBaseURL,
				Description: "the API base URL, ending in /v2"},
			{Name: "identity_url", Type: connectors.TypeString, Default: DefaultIdentityURL,
				Description: "the Visma Online identity server (authorize and token endpoints under /connect)"},
			{Name: "refresh_token", Type: connectors.TypeString, Sensitive: true,
				Description: "a refresh token to start from when kopla login has stored none (CI, sandbox)"},
			{Name: "rate_limit", Type: connectors.TypeInteger, Default: int64(DefaultRateLimit), Min: connectors.Bound(1),
				Description: "requests per minute per endpoint"},
		}},
		Objects: func(connectors.Config, connectors.Deps) (map[string]connectors.Schema, error) {
			out := map[string]connectors.Schema{}
			for _, d := range objectDefs() {
				out[d.name] = d.schema
			}
			return out, nil
		},
		New: open,
	}
}

// conn is one eaccounting connection.
type conn struct {
	name    string
	client  *client
	tokens  *tokenSource
	objects map[string]connectors.Object
	now     func() time.Time

	// writeConcurrency bounds the writes in flight per Write call.
	writeConcurrency int

	fyMu          sync.Mutex
	fiscalYear    string // current fiscal year id, once known
	fiscalYearDay string // the day it was current on; a long-running process asks again the next day

	// prices is what verifying sales documents needs (verify.go).
	prices pricing
}

var (
	_ connectors.Connector = (*conn)(nil)
	_ connectors.LoginFlow = (*conn)(nil)
)

func open(_ context.Context, cfg connectors.Config, deps connectors.Deps) (connectors.Connector, error) {
	if deps.Name == "" {
		return nil, fmt.Errorf("eaccounting: the connection has no name")
	}
	// The loader checked the settings against the schema (types, required,
	// rate_limit >= 1); what is not given takes the schema's default.
	clientID, secret := cfg.String("client_id"), cfg.String("client_secret")
	base := strings.TrimRight(orDefault(cfg.String("base_url"), DefaultBaseURL), "/")
	identity := strings.TrimRight(orDefault(cfg.String("identity_url"), DefaultIdentityURL), "/")
	scopes := cfg.Strings("scopes", defaultScopes)
	perMinute := float64(cfg.Int("rate_limit", DefaultRateLimit))
	stateDir := deps.StateDir
	if stateDir == "" {
		stateDir = filepath.Join(deps.Dir, ".kopla")
	}
	hc := deps.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ts := &tokenSource{
		conn: service + "." + deps.Name,
		conf: &oauth2.Config{
			ClientID:     clientID,
			ClientSecret: secret,
			Scopes:       scopes,
			Endpoint: oauth2.Endpoint{
				AuthURL:   identity + "/connect/authorize",
				TokenURL:  identity + "/connect/token",
				AuthStyle: oauth2.AuthStyleInHeader,
			},
		},
		file:   tokenFile{path: filepath.Join(stateDir, "eaccounting", deps.Name, "token.json")},
		seed:   cfg.String("refresh_token"),
		client: hc,
		shared: deps.Tokens,
	}
	c := &conn{
		name:             deps.Name,
		client:           newClient(base, hc, ts, log, perMinute),
		tokens:           ts,
		now:              time.Now,
		writeConcurrency: 8,
	}
	// Workers of one project share each endpoint's minute.
	c.client.core.Shared, c.client.core.SharedKey = deps.Budgets, ts.conn
	c.objects = map[string]connectors.Object{}
	for _, d := range objectDefs() {
		o := &object{c: c, def: d}
		switch {
		case d.writable && salesDocuments[d.name]:
			c.objects[d.name] = &salesObject{writableObject: &writableObject{object: o}}
		case d.writable:
			c.objects[d.name] = &writableObject{object: o}
		default:
			c.objects[d.name] = o
		}
	}
	return c, nil
}

// Object returns the named object.
func (c *conn) Object(name string) (connectors.Object, error) {
	if o, ok := c.objects[name]; ok {
		return o, nil
	}
	names := make([]string, 0, len(c.objects))
	for n := range c.objects {
		names = append(names, n)
	}
	if s := connectors.Suggest(name, names); s != "" {
		return nil, fmt.Errorf("eaccounting: %q (did you mean %q?): %w", name, s, connectors.ErrUnknownObject)
	}
	return nil, fmt.Errorf("eaccounting: %q: %w", name, connectors.ErrUnknownObject)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
