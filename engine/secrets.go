package engine

import (
	"slices"

	"github.com/kopla-dev/kopla/connectors"
)

// SecretValues are the values of the connections' sensitive settings
// (tokens, client secrets), sorted: what leaves the process, such as a
// notification, is scrubbed of them.
func (p *Project) SecretValues() []string {
	var out []string
	for _, c := range p.conns {
		out = appendSecrets(out, c.factory.Config.Fields, c.config)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func appendSecrets(out []string, fields []connectors.Field, values map[string]any) []string {
	for _, f := range fields {
		switch v := values[f.Name].(type) {
		case string:
			if f.Sensitive && v != "" {
				out = append(out, v)
			}
		case map[string]any:
			out = appendSecrets(out, f.Fields, v)
		case connectors.Config:
			out = appendSecrets(out, f.Fields, v)
		}
	}
	return out
}
