package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

const (
	sessionCookie = "kopla_session"
	sessionTTL    = 12 * time.Hour
)

// session is a signed-in visitor: who, and the CSRF token its forms carry.
type session struct {
	user    string
	csrf    string
	expires time.Time
}

// sessions are held in memory: a restart signs everyone out, which is
// what a local dashboard wants.
type sessions struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*session
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, m: map[string]*session{}}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func (ss *sessions) create(user string) (id string, s *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for k, v := range ss.m {
		if now.After(v.expires) {
			delete(ss.m, k)
		}
	}
	id = randomToken()
	s = &session{user: user, csrf: randomToken(), expires: now.Add(sessionTTL)}
	ss.m[id] = s
	return id, s
}

func (ss *sessions) get(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[id]
	if s == nil || ss.now().After(s.expires) {
		delete(ss.m, id)
		return nil
	}
	return s
}

func (ss *sessions) drop(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, id)
}

type ctxKey struct{}

func sessionOf(ctx context.Context) *session {
	s, _ := ctx.Value(ctxKey{}).(*session)
	return s
}

func (s *server) setCookie(w http.ResponseWriter, id string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.opts.SecureCookies})
}

// authed admits a visitor with a session (without a configured credential,
// everyone gets one, as the local user), and checks the CSRF token of
// every POST: a form field or, for htmx, the X-CSRF-Token header.
func (s *server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var sess *session
		if c, err := r.Cookie(sessionCookie); err == nil {
			sess = s.sess.get(c.Value)
		}
		if sess == nil {
			if s.opts.Auth.Configured() {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/login", http.StatusSeeOther)
				} else {
					http.Error(w, "Sign in first.", http.StatusUnauthorized)
				}
				return
			}
			if r.Method != http.MethodGet {
				// A POST must come from a form of ours, which a session
				// served: one without is forged.
				http.Error(w, "This form has expired or did not come from this dashboard: reload the page and try again.", http.StatusForbidden)
				return
			}
			var id string
			id, sess = s.sess.create("local user")
			s.setCookie(w, id, int(sessionTTL/time.Second))
		}
		if r.Method == http.MethodPost {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" {
				got = r.PostFormValue("csrf")
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) != 1 {
				http.Error(w, "This form has expired or did not come from this dashboard (its CSRF token is missing or wrong): reload the page and try again.", http.StatusForbidden)
				return
			}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, sess)))
	}
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	if !s.opts.Auth.Configured() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/login", MaxAge: 600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.opts.SecureCookies})
	s.render(w, r, "login.html", page{Title: "Sign in", Data: tok})
}

// loginCookie holds the CSRF token of the login form (which has no session
// yet): the form must send the same value.
const loginCookie = "kopla_login"

// login checks the credential the form sends (a POST body: never in the
// URL) against the token or the password hash.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	if !s.opts.Auth.Configured() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		http.Error(w, "This sign-in form has expired or did not come from this dashboard (its CSRF token is missing or wrong): reload the page and try again.", http.StatusForbidden)
		return
	}
	user := r.PostFormValue("user")
	if user == "" {
		user = "operator"
	}
	cred := r.PostFormValue("credential")
	ok := false
	if t := s.opts.Auth.Token; t != "" && subtle.ConstantTimeCompare([]byte(cred), []byte(t)) == 1 {
		ok = true
	}
	if h := s.opts.Auth.PasswordHash; !ok && h != "" && bcrypt.CompareHashAndPassword([]byte(h), []byte(cred)) == nil {
		ok = true
	}
	if !ok {
		s.audit(r.Context(), user, "login refused", nil)
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, "login.html", page{Title: "Sign in", Data: c.Value, Error: "That token or password is not the one configured in the project."})
		return
	}
	id, _ := s.sess.create(user)
	s.setCookie(w, id, int(sessionTTL/time.Second))
	s.audit(r.Context(), user, "login", nil)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sess.drop(c.Value)
	}
	s.audit(r.Context(), sessionOf(r.Context()).user, "logout", nil)
	s.setCookie(w, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
