package engine

import (
	"slices"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
)

func TestSecretValues(t *testing.T) {
	schema := connectors.Schema{Fields: []connectors.Field{
		{Name: "client_id", Type: connectors.TypeString},
		{Name: "token", Type: connectors.TypeString, Sensitive: true},
		{Name: "oauth", Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "client_secret", Type: connectors.TypeString, Sensitive: true},
			{Name: "redirect", Type: connectors.TypeString},
		}},
	}}
	p := &Project{conns: map[string]*connection{
		"hubspot.shop": {factory: connectors.Factory{Config: schema}, config: connectors.Config{
			"client_id": "public-id", "token": "tok-1",
			"oauth": map[string]any{"client_secret": "cs-2", "redirect": "http://x"},
		}},
		"hubspot.other": {factory: connectors.Factory{Config: schema}, config: connectors.Config{"token": "tok-1"}},
	}}
	if got, want := p.SecretValues(), []string{"cs-2", "tok-1"}; !slices.Equal(got, want) {
		t.Errorf("SecretValues = %q; want %q", got, want)
	}
}
