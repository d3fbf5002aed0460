package eaccountingtest

import (
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultScope is what IssueRefreshToken grants: the scopes a sales
// integration asks for.
const defaultScope = "ea:api offline_access ea:sales ea:accounting"

// authorize is GET /connect/authorize. There is no login page: consent is
// given at once for the one fictional company, and the browser is sent back
// to redirect_uri with a single-use code valid five minutes. prompt and
// acr_values are accepted and ignored, like the sandbox does.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.clientID {
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "unknown client_id")
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() {
		oauthError(w, http.StatusBadRequest, "invalid_request", "redirect_uri must be an absolute URL")
		return
	}
	back := redirect.Query()
	if state := q.Get("state"); state != "" {
		back.Set("state", state)
	}
	if q.Get("response_type") != "code" {
		back.Set("error", "unsupported_response_type")
		redirect.RawQuery = back.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
		return
	}
	method := q.Get("code_challenge_method")
	if q.Get("code_challenge") != "" && method == "" {
		method = "plain"
	}
	if method != "" && method != "plain" && method != "S256" || method != "" && q.Get("code_challenge") == "" {
		back.Set("error", "invalid_request")
		back.Set("error_description", "code_challenge and code_challenge_method (plain or S256) go together")
		redirect.RawQuery = back.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
		return
	}
	code := randomHex(16)
	s.mu.Lock()
	s.codes[code] = authCode{redirectURI: q.Get("redirect_uri"), scope: q.Get("scope"), expires: s.now().Add(5 * time.Minute),
		challenge: q.Get("code_challenge"), challengeMethod: method}
	s.mu.Unlock()
	back.Set("code", code)
	back.Set("scope", q.Get("scope"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token is POST /connect/token: grant types authorization_code and
// refresh_token, form-encoded, client authenticated by HTTP Basic
// (client_secret_basic) or by form fields (client_secret_post).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the request must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "malformed form body")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 2.3.1: the Basic credentials are form-encoded first.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != s.clientID || secret != s.clientSecret {
		oauthError(w, http.StatusBadRequest, "invalid_client", "")
		return
	}
	now := s.now()
	s.mu.Lock()
	var scope string
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		code := r.PostForm.Get("code")
		c, ok := s.codes[code]
		delete(s.codes, code) // single use, even when the redirect_uri is wrong
		if !ok || now.After(c.expires) || c.redirectURI != r.PostForm.Get("redirect_uri") || !c.verify(r.PostForm.Get("code_verifier")) {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant", "")
			return
		}
		scope = c.scope
	case "refresh_token":
		old := r.PostForm.Get("refresh_token")
		t, ok := s.refresh[old]
		if !ok {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant", "")
			return
		}
		scope = t.scope
		if s.rotate {
			delete(s.refresh, old)
		}
	case "":
		s.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is missing")
		return
	default:
		s.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	access := randomHex(24)
	s.access[access] = token{scope: scope, expires: now.Add(s.tokenTTL)}
	resp := map[string]any{
		"access_token": access,
		"expires_in":   int(s.tokenTTL / time.Second),
		"token_type":   "Bearer",
		"scope":        scope,
	}
	if strings.Contains(" "+scope+" ", " offline_access ") {
		refresh := r.PostForm.Get("refresh_token")
		if s.rotate || refresh == "" {
			refresh = randomHex(32)
			s.refresh[refresh] = token{scope: scope}
		}
		resp["refresh_token"] = refresh
	}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

// verify checks the PKCE code_verifier (RFC 7636) of a code issued with a
// code_challenge.
func (c authCode) verify(verifier string) bool {
	switch c.challengeMethod {
	case "":
		return true
	case "plain":
		return verifier != "" && verifier == c.challenge
	}
	sum := sha256.Sum256([]byte(verifier))
	return verifier != "" && base64.RawURLEncoding.EncodeToString(sum[:]) == c.challenge
}

// revoke is POST /connect/revocation: a revoked refresh token is gone, an
// unknown one is not an error (RFC 7009).
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "malformed form body")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != s.clientID || secret != s.clientSecret {
		oauthError(w, http.StatusBadRequest, "invalid_client", "")
		return
	}
	s.mu.Lock()
	tok := r.PostForm.Get("token")
	delete(s.refresh, tok)
	delete(s.access, tok)
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	writeJSON(w, status, body)
}

// IssueRefreshToken returns a valid refresh token for the default scopes
// without the browser flow.
func (s *Server) IssueRefreshToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := randomHex(32)
	s.refresh[t] = token{scope: defaultScope}
	return t
}

// IssueAccessToken returns a valid access token without any OAuth flow, for
// tests that exercise the API alone.
func (s *Server) IssueAccessToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := randomHex(24)
	s.access[t] = token{scope: defaultScope, expires: s.now().Add(s.tokenTTL)}
	return t
}

// ExpireAccessTokens makes every access token issued so far invalid, as if
// its hour had passed; refresh tokens stay valid.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
}
