package sandbox

import (
	"maps"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
)

// Placeholder is what LookupEnv returns for an unset connection variable.
const Placeholder = "kopla-sandbox-placeholder"

// envPrefixes are the prefixes of the environment variables that connection
// blocks of the two sandboxed kinds read with env(), by convention
// (HUBSPOT_TOKEN, EACCOUNTING_CLIENT_ID, VISMA_CLIENT_SECRET, ...).
var envPrefixes = []string{"HUBSPOT_", "EACCOUNTING_", "VISMA_"}

// ConnectionConfig points every hubspot and eaccounting connection at the
// sandbox: it replaces the address and credential settings of the decoded
// settings and leaves every other setting (api_version, scopes, rate_limit)
// and every other kind of connection alone. It returns a copy; decoded is
// not changed. Plug it into engine.Options.ConnectionConfig.
func (s *Sandbox) ConnectionConfig(c *dsl.Connection, decoded connectors.Config) connectors.Config {
	if c == nil {
		return decoded
	}
	switch c.Kind {
	case "hubspot":
		out := maps.Clone(decoded)
		if out == nil {
			out = connectors.Config{}
		}
		out["base_url"] = s.HubSpotURL()
		out["token"] = s.hs.Token()
		// The connector refuses a token together with an oauth block.
		delete(out, "oauth")
		return out
	case "eaccounting":
		out := maps.Clone(decoded)
		if out == nil {
			out = connectors.Config{}
		}
		out["base_url"] = s.EAccountingURL()
		out["identity_url"] = s.IdentityURL()
		out["client_id"] = s.ea.ClientID()
		out["client_secret"] = s.ea.ClientSecret()
		out["refresh_token"] = s.refresh
		return out
	}
	return decoded
}

// LookupEnv reads the environment (Options.LookupEnv) for sandbox runs: a
// variable that is set keeps its value; an unset one whose name starts with
// HUBSPOT_, EACCOUNTING_ or VISMA_ reads as Placeholder, so that a project
// whose credentials come from env() runs without them (ConnectionConfig
// replaces the credentials anyway). Other unset variables stay unset. Plug
// it into engine.Options.LookupEnv (and dsl.Options.LookupEnv).
func (s *Sandbox) LookupEnv(name string) (string, bool) {
	if v, ok := s.env(name); ok {
		return v, true
	}
	for _, p := range envPrefixes {
		if strings.HasPrefix(name, p) {
			return Placeholder, true
		}
	}
	return "", false
}
