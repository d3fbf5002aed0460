package eaccountingtest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error codes of the eAccounting catalogue (developer.vismaonline.com, error codes).
const (
	codeValidation      = 2000 // DataModelValidationError
	codeNotFound        = 3000 // ResourceNotFound
	codeFiscalYear      = 3001 // FiscalYearDoesNotExist
	codeAccountNotFound = 3002 // AccountNotFound
	codeConflict        = 4000 // Conflict
	codeCannotDelete    = 4001 // CanNotBeDeleted
	codeCannotWrite     = 4002 // CanNotBeCreatedOrUpdated
	codeNotAuthorized   = 4005 // NotAuthorized
	codeNoScopes        = 4006 // NoAccessToScopes
	codeTooManyRequests = 4010 // TooManyRequests
	codeFutureDate      = 4023 // FutureDateCannotBeSet
	codeInvalidVat      = 4025 // InvalidVatNumber
	codeMissingArticles = 4031 // CustomerInvoiceMissingOrderArticles
	codeInternal        = 5000 // InternalServerError
	codeQuery           = 6000 // QueryParameterError
	codeInvalidInput    = 6001 // InvalidInput
)

// apiError is the error envelope of every non-2xx API answer.
type apiError struct {
	ErrorCode             int
	DeveloperErrorMessage string
	ErrorID               string       `json:"ErrorId"`
	Errors                []fieldError `json:",omitempty"`
}

// errorBody builds an error envelope with a fresh ErrorId, the GUID users
// quote to Visma support.
func errorBody(code int, msg string, fields ...fieldError) apiError {
	return apiError{ErrorCode: code, DeveloperErrorMessage: msg, ErrorID: newUUID(), Errors: fields}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status, code int, msg string, fields ...fieldError) {
	writeJSON(w, status, errorBody(code, msg, fields...))
}

func notFound(w http.ResponseWriter, what, id string) {
	writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("ResourceNotFoundException - %s with id %s was not found.", what, id))
}

// validationFailed answers a request whose model broke field rules: the
// messages are joined into DeveloperErrorMessage (as the 2023 platform did)
// and listed per field in Errors (as the 2025 platform does).
func validationFailed(w http.ResponseWriter, errs []fieldError) {
	msg := ""
	for i, e := range errs {
		if i > 0 {
			msg += " "
		}
		msg += e.Message
	}
	for i := range errs {
		errs[i].ErrorCode = fmt.Sprint(codeValidation)
	}
	writeError(w, http.StatusBadRequest, codeValidation, msg, errs...)
}
