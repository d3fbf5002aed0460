package connectors

import (
	"slices"
	"testing"
)

func TestFormatLabel(t *testing.T) {
	tests := []struct {
		template string
		fields   map[string]any
		want     string
		used     []string
	}{
		{`{firstname} {lastname} <{email:email}>`, map[string]any{"firstname": "Anna", "lastname": "Svensson", "email": "anna@example.se"}, "Anna Svensson <anna@…>", []string{"firstname", "lastname", "email"}},
		{`{firstname} {lastname} <{email:email}>`, map[string]any{"firstname": "Anna", "lastname": "Svensson"}, "Anna Svensson", []string{"firstname", "lastname"}},
		{`{firstname} {lastname} <{email:email}>`, map[string]any{"email": "bo@x.se"}, "<bo@…>", []string{"email"}},
		{`order {hs_object_id} "{hs_order_name}"`, map[string]any{"hs_object_id": "4002", "hs_order_name": "#1043"}, `order 4002 "#1043"`, []string{"hs_object_id", "hs_order_name"}},
		{`article {Number} "{Name}"`, map[string]any{"Number": float64(1001), "Name": " Vedkorg "}, `article 1001 "Vedkorg"`, []string{"Number", "Name"}},
		{`article {Number} "{Name}"`, map[string]any{"Number": "ART-1001"}, `article ART-1001`, []string{"Number"}},
		{`order {id}`, map[string]any{"id": map[string]any{}}, "", nil},
		{`broken {name`, map[string]any{"name": "x"}, "", nil},
	}
	for _, tt := range tests {
		got, used := FormatLabel(tt.template, tt.fields)
		if got != tt.want || !slices.Equal(used, tt.used) {
			t.Errorf("FormatLabel(%q, %v) = %q, %v; want %q, %v", tt.template, tt.fields, got, used, tt.want, tt.used)
		}
	}
}
