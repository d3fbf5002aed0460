package hubspot

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

const service = "hubspot"

// errorBody is HubSpot's error answer (schema Error), the 429 body (which
// says errorType and policyName) and a batch StandardError, in one: every
// field is optional, as HubSpot advises.
type errorBody struct {
	Status        string              `json:"status"`
	Category      string              `json:"category"`
	SubCategory   json.RawMessage     `json:"subCategory"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	ErrorType     string              `json:"errorType"`
	PolicyName    string              `json:"policyName"`
	Context       map[string][]string `json:"context"`
	Errors        []errorDetail       `json:"errors"`
	ID            string              `json:"id"`
}

type errorDetail struct {
	Message string              `json:"message"`
	Code    string              `json:"code"`
	Context map[string][]string `json:"context"`
}

// embeddedProperty is one element of the JSON array HubSpot embeds in the
// message of a property validation error.
type embeddedProperty struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

// apiError decodes an error answer. body may be empty or not JSON.
func apiError(status int, body []byte, header http.Header) *connectors.APIError {
	var eb errorBody
	if len(body) > 0 && json.Unmarshal(body, &eb) != nil {
		eb = errorBody{Message: strings.TrimSpace(truncate(string(body), 300))}
	}
	e := eb.toAPIError(status)
	if e.CorrelationID == "" && header != nil {
		e.CorrelationID = header.Get("X-Hubspot-Correlation-Id")
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

func (eb errorBody) toAPIError(status int) *connectors.APIError {
	e := &connectors.APIError{
		Service:       service,
		Status:        status,
		Code:          eb.Category,
		Message:       eb.Message,
		CorrelationID: eb.CorrelationID,
		Fields:        eb.fieldErrors(),
	}
	if e.Code == "" {
		e.Code = eb.ErrorType
	}
	switch {
	case status == http.StatusNotFound || e.Code == "OBJECT_NOT_FOUND":
		e.Kind = connectors.ErrNotFound
	case status == http.StatusConflict || e.Code == "CONFLICT" || e.Code == "OBJECT_ALREADY_EXISTS":
		e.Kind = connectors.ErrConflict
	case status == http.StatusUnauthorized || status == http.StatusForbidden ||
		e.Code == "INVALID_AUTHENTICATION" || e.Code == "MISSING_SCOPES":
		e.Kind = connectors.ErrAuth
	}
	return e
}

// fieldErrors collects per-property problems from errors[].context.propertyName
// and, when HubSpot gives none there, from the JSON array embedded in the
// message ("Property values were not valid: [...]").
func (eb errorBody) fieldErrors() []connectors.FieldError {
	var out []connectors.FieldError
	for _, d := range eb.Errors {
		for _, name := range d.Context["propertyName"] {
			out = append(out, connectors.FieldError{Field: name, Message: d.Message})
		}
	}
	if len(out) > 0 {
		return out
	}
	if i := strings.Index(eb.Message, "["); i >= 0 && strings.HasSuffix(strings.TrimSpace(eb.Message), "]") {
		var props []embeddedProperty
		if json.Unmarshal([]byte(strings.TrimSpace(eb.Message[i:])), &props) == nil {
			for _, p := range props {
				if p.Name != "" {
					out = append(out, connectors.FieldError{Field: p.Name, Message: p.Message})
				}
			}
		}
	}
	return out
}

// traceIDs returns the objectWriteTraceIds a batch error is about.
func (eb errorBody) traceIDs() []string {
	return slices.Concat(eb.Context["objectWriteTraceId"], eb.Context["objectWriteTraceIds"])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
