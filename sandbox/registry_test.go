package sandbox

import (
	"io"
	"maps"
	"net/http"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/fakekit"
	"github.com/kopla-dev/kopla/dsl"
)

// shopFake stands in for a third connector's fake: the sandbox needs
// nothing of it beyond fakekit.Sandboxed.
type shopFake struct{ http.Handler }

func (shopFake) Kind() string { return "shop" }
func (shopFake) Connection(base string) []fakekit.Setting {
	return []fakekit.Setting{{Name: "url", Value: base + "/api"}, {Name: "key", Value: "k-1", Sensitive: true}, {Name: "oauth"}}
}
func (shopFake) EnvPrefixes() []string { return []string{"SHOP_"} }
func (shopFake) Seed(io.Reader) error  { return nil }

func TestAnyRegisteredFakeIsSandboxed(t *testing.T) {
	s := &Sandbox{fakes: []runningFake{{srv: shopFake{http.NotFoundHandler()}, base: "http://127.0.0.1:1"}},
		env: func(string) (string, bool) { return "", false }}
	decoded := connectors.Config{"url": "https://shop.example.com", "key": "real", "oauth": map[string]any{}, "timeout": "5s"}
	got := s.ConnectionConfig(&dsl.Connection{Kind: "shop", Name: "s"}, decoded)
	want := connectors.Config{"url": "http://127.0.0.1:1/api", "key": "k-1", "timeout": "5s"}
	if !maps.EqualFunc(got, want, func(a, b any) bool { return a == b }) {
		t.Errorf("ConnectionConfig = %v; want %v", got, want)
	}
	if _, ok := decoded["oauth"]; !ok || decoded["key"] != "real" {
		t.Errorf("decoded settings changed: %v", decoded)
	}
	other := connectors.Config{"path": "x.csv"}
	if got := s.ConnectionConfig(&dsl.Connection{Kind: "file"}, other); got["path"] != "x.csv" || len(got) != 1 {
		t.Errorf("a kind without a fake changed: %v", got)
	}
	if v, ok := s.LookupEnv("SHOP_KEY"); !ok || v != Placeholder {
		t.Errorf("LookupEnv(SHOP_KEY) = %q, %v; want the placeholder", v, ok)
	}
	if _, ok := s.LookupEnv("HUBSPOT_TOKEN"); ok {
		t.Error("LookupEnv(HUBSPOT_TOKEN) is set without a hubspot fake")
	}
	creds := s.Credentials()
	if len(creds) != 2 || creds[1] != (Credential{Kind: "shop", Setting: "key", Value: "k-1", Sensitive: true}) {
		t.Errorf("Credentials() = %+v", creds)
	}
}

func TestRegistryKindsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, spec := range registry {
		if seen[spec.kind] {
			t.Errorf("kind %q registered twice", spec.kind)
		}
		seen[spec.kind] = true
	}
}
