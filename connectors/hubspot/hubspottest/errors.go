package hubspottest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is HubSpot's error body (the specs' Error schema).
type apiError struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	SubCategory   string              `json:"subCategory,omitempty"`
	Errors        []errorDetail       `json:"errors,omitempty"`
	Context       map[string][]string `json:"context,omitempty"`

	// code is the HTTP status; it is not part of the body.
	code int
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.code, e.Category, e.Message) }

type errorDetail struct {
	Message string              `json:"message"`
	Code    string              `json:"code,omitempty"`
	Context map[string][]string `json:"context,omitempty"`
}

// standardError is the per-input error inside a batch answer (StandardError).
type standardError struct {
	Status   string              `json:"status"`
	Category string              `json:"category"`
	Message  string              `json:"message"`
	Context  map[string][]string `json:"context"`
	Errors   []errorDetail       `json:"errors"`
	Links    map[string]string   `json:"links"`
}

func newError(code int, category, format string, args ...any) *apiError {
	return &apiError{code: code, Status: "error", Category: category, Message: fmt.Sprintf(format, args...)}
}

func validationError(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "VALIDATION_ERROR", format, args...)
}

// propertyErrors builds the 400 HubSpot answers for invalid property values:
// the per-property results are JSON inside the message, and repeated in errors.
func propertyErrors(portalID int, errs []propertyError) *apiError {
	type result struct {
		IsValid               bool   `json:"isValid"`
		Message               string `json:"message"`
		Error                 string `json:"error"`
		Name                  string `json:"name"`
		LocalizedErrorMessage string `json:"localizedErrorMessage"`
		PropertyValue         string `json:"propertyValue,omitempty"`
		PortalID              int    `json:"portalId"`
	}
	results := make([]result, 0, len(errs))
	e := validationError("")
	for _, pe := range errs {
		results = append(results, result{Message: pe.Message, Error: pe.Code, Name: pe.Name,
			LocalizedErrorMessage: pe.Message, PropertyValue: pe.Value, PortalID: portalID})
		e.Errors = append(e.Errors, errorDetail{Message: pe.Message, Code: pe.Code,
			Context: map[string][]string{"propertyName": {pe.Name}}})
	}
	b, _ := json.Marshal(results)
	e.Message = "Property values were not valid: " + string(b)
	return e
}

func notFound() *apiError {
	return newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.")
}

// uuid returns a random version 4 UUID, the form of correlationId.
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers with HubSpot's error body.
func writeError(w http.ResponseWriter, e *apiError) {
	if e.CorrelationID == "" {
		e.CorrelationID = uuid()
	}
	writeJSON(w, e.code, e)
}
