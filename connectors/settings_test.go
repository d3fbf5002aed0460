package connectors

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckConfig(t *testing.T) {
	f := Factory{Kind: "test", Config: Schema{Fields: []Field{
		{Name: "token", Type: TypeString, ExactlyOneOf: []string{"token", "oauth"}},
		{Name: "oauth", Type: TypeObject, ExactlyOneOf: []string{"token", "oauth"}, Fields: []Field{
			{Name: "id", Type: TypeString, Required: true},
			{Name: "port", Type: TypeInteger, Min: Bound(1), Max: Bound(65535)},
		}},
		{Name: "rate", Type: TypeNumber, Min: Bound(0.5)},
		{Name: "limit", Type: TypeInteger, Max: Bound(10)},
		{Name: "user", Type: TypeString, ConflictsWith: []string{"token"}},
		{Name: "header", Type: TypeList, Elem: &Field{Type: TypeObject, Fields: []Field{
			{Name: "name", Type: TypeString, Required: true},
		}}},
	}}, Validate: func(cfg Config) []SettingError {
		if cfg.String("user") == "root" {
			return []SettingError{{Path: []string{"user"}, Detail: "Not root."}}
		}
		return nil
	}}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"ok", Config{"token": "t", "rate": 0.5, "limit": int64(10)}, nil},
		{"neither", Config{}, []string{"token: Missing setting: Set token or an oauth block: one of them is needed."}},
		{"both", Config{"token": "t", "oauth": map[string]any{"id": "i"}}, []string{"oauth: Conflicting settings: Set token or an oauth block, not both: token and an oauth block are both set."}},
		{"nested", Config{"oauth": map[string]any{"id": " ", "port": int64(0)}}, []string{
			"oauth.id: Empty setting: id must not be empty: give it a value, or read it with env(\"NAME\").",
			"oauth.port: Value out of range: port must be from 1 to 65535, not 0.",
		}},
		{"bounds", Config{"token": "t", "rate": 0.25, "limit": int64(11)}, []string{
			"rate: Value out of range: rate must be at least 0.5, not 0.25.",
			"limit: Value out of range: limit must be at most 10, not 11.",
		}},
		{"conflict and hook", Config{"token": "t", "user": "root"}, []string{
			"user: Conflicting settings: user conflicts with token: set one of them, not both.",
			"user: : Not root.",
		}},
		{"repeated block", Config{"token": "t", "header": []any{map[string]any{"name": "a"}, map[string]any{"name": ""}}}, []string{
			"header.1.name: Empty setting: name must not be empty: give it a value, or read it with env(\"NAME\").",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range f.CheckConfig(tt.cfg) {
				got = append(got, strings.Join(e.Path, ".")+": "+e.Summary+": "+e.Detail)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CheckConfig (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigAccessors(t *testing.T) {
	c := Config{"n": int64(7), "f": 2.0, "b": true, "l": []any{"a", "b"}, "o": map[string]any{"x": "y"}, "r": []any{map[string]any{"k": "v"}}, "blank": " "}
	if c.Int("n", 0) != 7 || c.Int("f", 0) != 2 || c.Int("missing", 3) != 3 || !c.Bool("b") ||
		!cmp.Equal(c.Strings("l", nil), []string{"a", "b"}) || !cmp.Equal(c.Strings("missing", []string{"d"}), []string{"d"}) ||
		c.Block("o").String("x") != "y" || c.Block("missing") != nil || len(c.Blocks("r")) != 1 || c.IsSet("blank") || !c.IsSet("n") {
		t.Errorf("accessors of %v", c)
	}
}
