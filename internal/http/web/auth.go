package web

import (
	"net/http"
	"slices"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// The sign-in page, signing out, and the language switch.

type signInPage struct {
	page
	Email string
	Next  string
	Error string
}

func (h *Web) signInPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if _, ok := crm.PrincipalFrom(r.Context()); ok {
		http.Redirect(w, r, orHome(next), http.StatusSeeOther)
		return nil
	}
	h.render(w, r, http.StatusOK, "signin", "page", &signInPage{page: h.page(r, "signin.title"), Next: next})
	return nil
}

// signIn checks the email and password with the account service (which
// counts failures and slows down guessing) and sets the session cookie.
func (h *Web) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	email, next := r.PostForm.Get("email"), localPath(r.PostForm.Get("next"))
	secret, u, err := h.deps.Accounts.Login(r.Context(), email, r.PostForm.Get("password"), httpx.ClientAddress(r.Context()))
	if err != nil {
		switch crm.KindOf(err) {
		case crm.KindUnauthenticated, crm.KindRateLimited:
			prob := httpx.ProblemFor(r.Context(), err)
			data := &signInPage{page: h.page(r, "signin.title"), Email: email, Next: next,
				Error: i18n.Message(h.lang(r), prob.Code, prob.Params)}
			h.render(w, r, prob.Status, "signin", "page", data)
			return nil
		}
		return err
	}
	http.SetCookie(w, h.cookie(httpx.SessionCookie, secret, int(sessionMaxAge.Seconds())))
	if u.Language != "" {
		// The user's own setting rules from now on; forget this browser's.
		http.SetCookie(w, h.cookie(langCookie, "", -1))
	}
	http.Redirect(w, r, orHome(next), http.StatusSeeOther)
	return nil
}

func orHome(next string) string {
	if next == "" || next == "/" {
		return HomePath
	}
	return next
}

// signOut ends the session and clears its cookie.
func (h *Web) signOut(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(httpx.SessionCookie); err == nil && c.Value != "" {
		if err := h.deps.Accounts.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, h.cookie(httpx.SessionCookie, "", -1))
	http.Redirect(w, r, SignInPath, http.StatusSeeOther)
	return nil
}

// setLanguage changes the interface language: the user's setting when
// signed in (kept with the account, on every device), and this browser's
// choice for the pages before signing in. An empty language follows the
// browser's Accept-Language again.
func (h *Web) setLanguage(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	lang := r.PostForm.Get("language")
	if lang != "" && !slices.Contains(account.Languages, lang) {
		var v crm.Violations
		v.Add("language", "not_one_of", "allowed", "en, zh-Hant, zh-Hans")
		return v.Err("web.setLanguage")
	}
	if p, ok := crm.PrincipalFrom(r.Context()); ok && !p.System && p.TokenID == 0 {
		_, err := h.deps.Accounts.UpdateUser(r.Context(), p.UserID, 0, func(f *account.UserFields) error {
			f.Language = lang
			return nil
		})
		if err != nil {
			return err
		}
	}
	if lang == "" {
		http.SetCookie(w, h.cookie(langCookie, "", -1))
	} else {
		http.SetCookie(w, h.cookie(langCookie, lang, 365*24*3600))
	}
	next := localPath(r.PostForm.Get("next"))
	if next == "" {
		next = HomePath
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// cookie is HttpOnly (no script reads it), SameSite=Lax (sent on links into
// Guanxi, not on cross-site posts) and Secure when served over HTTPS, like
// the API's session cookie.
func (h *Web) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.deps.SecureCookies}
}
