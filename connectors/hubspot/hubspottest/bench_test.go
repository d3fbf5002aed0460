package hubspottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// benchContacts is the account size at which a fake that scans every record
// per call bounds a run by its own CPU rather than by the rate limit.
const benchContacts = 10000

// benchServer is a fake with benchContacts contacts, each associated with
// one of benchContacts/10 companies, and no rate limits.
func benchServer(b *testing.B) *Server {
	b.Helper()
	s := New(Options{Limits: Limits{Burst: -1, OAuthBurst: -1, Daily: -1, Search: -1}})
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.mu.Lock()
	defer s.mu.Unlock()
	companies := lookupType("companies")
	contacts := lookupType("contacts")
	toCompany, _ := defaultAssocType("contacts", "companies")
	for i := range benchContacts / 10 {
		s.insert(companies, "", map[string]string{"name": fmt.Sprintf("Company %d", i)}, now)
	}
	for i := range benchContacts {
		rec := s.insert(contacts, "", map[string]string{"email": fmt.Sprintf("buyer%d@example.com", i)}, now)
		s.associate(toCompany, rec.id, fmt.Sprint(1001+i%(benchContacts/10)))
	}
	return s
}

// serveBench sends one request straight to the handler (no network) and
// fails unless it answers 200.
func serveBench(b *testing.B, s *Server, method, path string, body any) {
	b.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("%s %s = %d %s", method, path, w.Code, w.Body)
	}
}

func BenchmarkSearchByEmail(b *testing.B) {
	s := benchServer(b)
	i := 0
	for b.Loop() {
		email := fmt.Sprintf("buyer%d@example.com", i%benchContacts)
		serveBench(b, s, http.MethodPost, "/crm/v3/objects/contacts/search", map[string]any{
			"filterGroups": []any{map[string]any{"filters": []any{
				map[string]any{"propertyName": "email", "operator": "EQ", "value": email}}}},
			"properties": []string{"email"}, "limit": 1})
		i++
	}
}

func BenchmarkBatchReadByEmail(b *testing.B) {
	s := benchServer(b)
	i := 0
	for b.Loop() {
		var inputs []map[string]string
		for j := range maxBatch {
			inputs = append(inputs, map[string]string{"id": fmt.Sprintf("buyer%d@example.com", (i+j)%benchContacts)})
		}
		serveBench(b, s, http.MethodPost, "/crm/v3/objects/contacts/batch/read",
			map[string]any{"idProperty": "email", "inputs": inputs, "properties": []string{"email"}})
		i += maxBatch
	}
}

func BenchmarkAssociationsBatchRead(b *testing.B) {
	s := benchServer(b)
	i := 0
	for b.Loop() {
		var inputs []map[string]string
		for j := range maxBatch {
			inputs = append(inputs, map[string]string{"id": fmt.Sprint(1001 + benchContacts/10 + (i+j)%benchContacts)})
		}
		serveBench(b, s, http.MethodPost, "/crm/v4/associations/contacts/companies/batch/read", map[string]any{"inputs": inputs})
		i += maxBatch
	}
}
