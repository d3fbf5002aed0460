package hubspottest

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// accessTokenTTL is the lifetime of OAuth access tokens (DOC-oauth).
const accessTokenTTL = 30 * time.Minute

// authCodeTTL bounds how long an authorization code can be exchanged.
const authCodeTTL = 10 * time.Minute

type authCode struct {
	redirectURI string
	scopes      []string
	expires     time.Time
}

// token classes for rate limiting: each private app and the OAuth app have
// their own burst window.
const (
	classPrivate = "private"
	classOAuth   = "oauth"
)

// authenticate checks the Bearer token and returns its class.
func (s *Server) authenticate(r *http.Request) (string, *apiError) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(h, "bearer ")
	}
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return "", newError(http.StatusUnauthorized, "INVALID_AUTHENTICATION",
			"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.token)) == 1 {
		return classPrivate, nil
	}
	if exp, ok := s.access[tok]; ok {
		if now := s.now(); !now.Before(exp) {
			mins := int(now.Sub(exp).Minutes())
			e := newError(http.StatusUnauthorized, "EXPIRED_AUTHENTICATION", "The OAuth token used to make this call expired %d minute(s) ago.", mins)
			return "", e
		}
		return classOAuth, nil
	}
	return "", newError(http.StatusUnauthorized, "INVALID_AUTHENTICATION",
		"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
}

// ExpireAccessTokens makes every access token issued by the token endpoint
// expire now, so that tests can exercise refreshing. The private-app token
// is not affected.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for tok := range s.access {
		s.access[tok] = now
	}
}

// IssueTokens returns a fresh OAuth access token and refresh token, as the
// authorization-code exchange would, for tests that skip the login flow.
func (s *Server) IssueTokens() (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	refresh = s.newRefreshToken()
	return s.newAccessToken(), refresh
}

func (s *Server) newAccessToken() string {
	tok := "CJ" + randomHex(40)
	s.access[tok] = s.now().Add(accessTokenTTL)
	return tok
}

func (s *Server) newRefreshToken() string {
	tok := "na1-" + randomHex(4) + "-" + randomHex(16)
	s.refresh[tok] = true
	return tok
}

// oauthError is the token endpoint's error body: RFC 6749 fields plus
// HubSpot's status, message, correlationId and category.
type oauthError struct {
	Status           string `json:"status"`
	Message          string `json:"message"`
	CorrelationID    string `json:"correlationId"`
	Category         string `json:"category"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func writeOAuthError(w http.ResponseWriter, status, code, msg string) {
	writeJSON(w, http.StatusBadRequest, oauthError{Status: status, Message: msg, CorrelationID: uuid(),
		Category: status, Error: code, ErrorDescription: msg})
}

// authorize is the consent page: it approves at once and redirects back
// with a code and the state.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, p params) *apiError {
	q := r.URL.Query()
	if q.Get("client_id") != s.oauth.ClientID {
		return validationError("Unknown client_id %q", q.Get("client_id"))
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() {
		return validationError("redirect_uri %q must be an absolute URL", q.Get("redirect_uri"))
	}
	code := "code-" + randomHex(12)
	s.codes[code] = authCode{redirectURI: redirect.String(), scopes: strings.Fields(q.Get("scope")), expires: s.now().Add(authCodeTTL)}
	rq := redirect.Query()
	rq.Set("code", code)
	if st := q.Get("state"); st != "" {
		rq.Set("state", st)
	}
	redirect.RawQuery = rq.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
	return nil
}

func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request, p params) *apiError {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, "BAD_REQUEST", "invalid_request", "the body must be application/x-www-form-urlencoded")
		return nil
	}
	if strings.HasPrefix(r.URL.Path, "/oauth/v3/") || strings.HasPrefix(r.URL.Path, "/oauth/2026-03/") {
		if r.URL.RawQuery != "" {
			writeOAuthError(w, "BAD_REQUEST", "invalid_request", "send the parameters in the form body, not the query string")
			return nil
		}
	}
	f := r.PostForm
	if f.Get("client_id") != s.oauth.ClientID {
		writeOAuthError(w, "BAD_CLIENT_ID", "invalid_client", "missing or invalid client_id")
		return nil
	}
	if subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(s.oauth.ClientSecret)) != 1 {
		writeOAuthError(w, "BAD_CLIENT_SECRET", "invalid_client", "missing or invalid client_secret")
		return nil
	}
	now := s.now()
	var scopes []string
	refresh := ""
	switch f.Get("grant_type") {
	case "authorization_code":
		code, ok := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code"))
		if !ok || !now.Before(code.expires) {
			writeOAuthError(w, "BAD_AUTH_CODE", "invalid_grant", "missing or unknown auth code")
			return nil
		}
		if f.Get("redirect_uri") != code.redirectURI {
			writeOAuthError(w, "BAD_REDIRECT_URI", "invalid_grant", "redirect_uri does not match the one of the authorization request")
			return nil
		}
		scopes = code.scopes
		refresh = s.newRefreshToken()
	case "refresh_token":
		refresh = f.Get("refresh_token")
		if !s.refresh[refresh] {
			writeOAuthError(w, "BAD_REFRESH_TOKEN", "invalid_grant", "refresh token is invalid, expired or revoked")
			return nil
		}
	default:
		writeOAuthError(w, "BAD_GRANT_TYPE", "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported; use authorization_code or refresh_token", f.Get("grant_type")))
		return nil
	}
	access := s.newAccessToken()
	if scopes == nil {
		scopes = []string{"oauth"}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":    "bearer",
		"access_token":  access,
		"refresh_token": refresh,
		"expires_in":    int(accessTokenTTL.Seconds()),
		"hub_id":        s.opts.PortalID,
		"scopes":        scopes,
		"token_use":     "access_token",
	})
	return nil
}

// tokenInfo is GET /oauth/v1/access-tokens/{token}.
func (s *Server) tokenInfo(w http.ResponseWriter, r *http.Request, p params) *apiError {
	exp, ok := s.access[p.name]
	if !ok || !s.now().Before(exp) {
		return newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "access token not found or expired")
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token":      p.name,
		"user":       "user@example.com",
		"hub_domain": "example.com",
		"scopes":     []string{"oauth"},
		"hub_id":     s.opts.PortalID,
		"app_id":     1234,
		"expires_in": int(exp.Sub(s.now()).Seconds()),
		"user_id":    5678,
		"token_type": "access",
	})
	return nil
}

// rateLimit is HubSpot's 429 body.
type rateLimit struct {
	Status        string `json:"status"`
	Message       string `json:"message"`
	ErrorType     string `json:"errorType"`
	CorrelationID string `json:"correlationId"`
	PolicyName    string `json:"policyName"`
	GroupName     string `json:"groupName,omitempty"`
	Category      string `json:"category"`
}

// limit applies the rate limits to one authenticated request, sets the
// rate-limit headers and returns the 429 body when a limit is reached.
func (s *Server) limit(w http.ResponseWriter, class string, rt route) *rateLimit {
	now := s.now()
	l := s.limits
	deny := func(policy, msg string) *rateLimit {
		return &rateLimit{Status: "error", Message: msg, ErrorType: "RATE_LIMIT", CorrelationID: uuid(),
			PolicyName: policy, Category: "RATE_LIMITS"}
	}
	day := now.UTC().Format(time.DateOnly)
	if s.dailyDay != day {
		s.dailyDay, s.daily = day, 0
	}
	private := class == classPrivate
	dailyOut := private && l.Daily > 0 && s.daily >= l.Daily
	h := w.Header()
	if rt.search {
		// Search answers carry no rate-limit headers (DOC-2024-usage) and
		// are exempt from the ten-secondly limit.
		if l.Search > 0 && s.windows.Used("search", l.SearchWindow, now) >= l.Search {
			return deny("SECONDLY", "You have reached your secondly limit.")
		}
		if dailyOut {
			return deny("DAILY", "You have reached your daily limit.")
		}
		if l.Search > 0 {
			s.windows.Allow("search", l.Search, l.SearchWindow, now)
		}
		if private {
			s.daily++
		}
		return nil
	}
	burst := l.Burst
	if !private {
		burst = l.OAuthBurst
	}
	key := "burst:" + class
	used := s.windows.Used(key, l.Window, now)
	if burst > 0 {
		h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(burst))
		h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.FormatInt(l.Window.Milliseconds(), 10))
	}
	if private && l.Daily > 0 {
		h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(l.Daily))
	}
	setRemaining := func() {
		if burst > 0 {
			h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(max(burst-used, 0)))
		}
		if private && l.Daily > 0 {
			h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(max(l.Daily-s.daily, 0)))
		}
	}
	if dailyOut {
		setRemaining()
		return deny("DAILY", "You have reached your daily limit.")
	}
	if rt.exempt {
		// Association batches have their own limit, without headers.
		if l.Associations > 0 {
			if _, _, ok := s.windows.Allow("associations", l.Associations, l.Window, now); !ok {
				setRemaining()
				return deny("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.")
			}
		}
	} else if burst > 0 {
		var ok bool
		if used, _, ok = s.windows.Allow(key, burst, l.Window, now); !ok {
			setRemaining()
			rl := deny("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.")
			rl.GroupName = fmt.Sprintf("publicapi:%s-api-calls-ten-secondly:%d", class, s.opts.PortalID)
			return rl
		}
	}
	if private {
		s.daily++
	}
	setRemaining()
	return nil
}
