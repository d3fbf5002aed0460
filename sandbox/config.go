package sandbox

import (
	"maps"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
)

// Placeholder is what LookupEnv returns for an unset connection variable.
const Placeholder = "kopla-sandbox-placeholder"

// ConnectionConfig points every connection of a sandboxed kind at its
// fake: it replaces the address and credential settings of the decoded
// settings (the fake's Connection) and leaves every other setting
// (api_version, scopes, rate_limit) and every other kind of connection
// alone. It returns a copy; decoded is not changed. Plug it into
// engine.Options.ConnectionConfig.
func (s *Sandbox) ConnectionConfig(c *dsl.Connection, decoded connectors.Config) connectors.Config {
	if c == nil {
		return decoded
	}
	f, ok := s.fake(c.Kind)
	if !ok {
		return decoded
	}
	out := maps.Clone(decoded)
	if out == nil {
		out = connectors.Config{}
	}
	for _, st := range f.srv.Connection(f.base) {
		if st.Value == "" {
			delete(out, st.Name)
		} else {
			out[st.Name] = st.Value
		}
	}
	return out
}

// LookupEnv reads the environment (Options.LookupEnv) for sandbox runs: a
// variable that is set keeps its value; an unset one whose name starts with
// a sandboxed kind's prefix (HUBSPOT_, EACCOUNTING_, VISMA_: the fakes'
// EnvPrefixes) reads as Placeholder, so that a project whose credentials
// come from env() runs without them (ConnectionConfig replaces the
// credentials anyway). Other unset variables stay unset. Plug it into
// engine.Options.LookupEnv (and dsl.Options.LookupEnv).
func (s *Sandbox) LookupEnv(name string) (string, bool) {
	if v, ok := s.env(name); ok {
		return v, true
	}
	for _, f := range s.fakes {
		for _, p := range f.srv.EnvPrefixes() {
			if strings.HasPrefix(name, p) {
				return Placeholder, true
			}
		}
	}
	return "", false
}
