package hubspot

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
)

func TestAPIError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   *connectors.APIError
	}{
		{
			name:   "validation with errors",
			status: 400,
			body: `{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"Property \\\"testproperty\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"testproperty\"}]",
				"correlationId":"8a3f6c3a-8296-4002-b0a6-2a06fecf7c0c","category":"VALIDATION_ERROR",
				"errors":[{"message":"Property \"testproperty\" does not exist","code":"PROPERTY_DOESNT_EXIST","context":{"propertyName":["testproperty"]}}]}`,
			want: &connectors.APIError{Service: "hubspot", Status: 400, Code: "VALIDATION_ERROR",
				CorrelationID: "8a3f6c3a-8296-4002-b0a6-2a06fecf7c0c",
				Fields:        []connectors.FieldError{{Field: "testproperty", Message: `Property "testproperty" does not exist`}}},
		},
		{
			name:   "validation only in the message",
			status: 400,
			body:   `{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"1635535865 is at 22:18:55.865 UTC, not midnight!\",\"error\":\"INVALID_DATE\",\"name\":\"closedate\"}]","correlationId":"c1","category":"VALIDATION_ERROR"}`,
			want: &connectors.APIError{Service: "hubspot", Status: 400, Code: "VALIDATION_ERROR", CorrelationID: "c1",
				Fields: []connectors.FieldError{{Field: "closedate", Message: "1635535865 is at 22:18:55.865 UTC, not midnight!"}}},
		},
		{
			name:   "conflict",
			status: 409,
			body:   `{"status":"error","message":"Contact already exists. Existing ID: 123","correlationId":"c2","category":"CONFLICT"}`,
			want: &connectors.APIError{Service: "hubspot", Status: 409, Code: "CONFLICT", Message: "Contact already exists. Existing ID: 123",
				CorrelationID: "c2", Kind: connectors.ErrConflict},
		},
		{
			name:   "not found",
			status: 404,
			body:   `{"status":"error","message":"Object not found.","correlationId":"c3","category":"OBJECT_NOT_FOUND"}`,
			want: &connectors.APIError{Service: "hubspot", Status: 404, Code: "OBJECT_NOT_FOUND", Message: "Object not found.",
				CorrelationID: "c3", Kind: connectors.ErrNotFound},
		},
		{
			name:   "missing scopes",
			status: 403,
			body:   `{"status":"error","message":"This app hasn't been granted all required scopes","correlationId":"c4","category":"MISSING_SCOPES"}`,
			want: &connectors.APIError{Service: "hubspot", Status: 403, Code: "MISSING_SCOPES", Message: "This app hasn't been granted all required scopes",
				CorrelationID: "c4", Kind: connectors.ErrAuth},
		},
		{
			name:   "rate limit body",
			status: 429,
			body:   `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c5","policyName":"DAILY"}`,
			want:   &connectors.APIError{Service: "hubspot", Status: 429, Code: "RATE_LIMIT", Message: "You have reached your daily limit.", CorrelationID: "c5"},
		},
		{
			name:   "not JSON",
			status: 502,
			body:   `<html>Bad gateway</html>`,
			want:   &connectors.APIError{Service: "hubspot", Status: 502, Message: "<html>Bad gateway</html>"},
		},
		{
			name:   "empty",
			status: 401,
			want:   &connectors.APIError{Service: "hubspot", Status: 401, Message: "Unauthorized", Kind: connectors.ErrAuth},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := apiError(tt.status, []byte(tt.body), http.Header{})
			if tt.want.Message == "" && tt.want.Fields != nil {
				tt.want.Message = got.Message // the long message itself is not the point
			}
			if diff := cmp.Diff(*tt.want, *got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("apiError(%d) mismatch (-want +got):\n%s", tt.status, diff)
			}
			if tt.want.Kind != nil && !errors.Is(got, tt.want.Kind) {
				t.Errorf("errors.Is(apiError(%d), %v) = false", tt.status, tt.want.Kind)
			}
		})
	}
}
