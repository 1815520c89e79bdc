package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// The account page: who the user is, their password, their language and
// their API tokens. A token's secret shows once, on the page that answers
// its creation; Guanxi keeps only its hash.

const maxAccountForm = 8 << 10

type accountScreen struct {
	page
	Me       *account.User
	Teams    []string
	Message  string
	Password *formState
	Token    *formState
	Tokens   []*account.Token
	// NewToken and Secret are the token just made, shown once.
	NewToken *account.Token
	Secret   string
}

var (
	passwordInputs = inputSet("current_password", "new_password", "new_password_again")
	tokenInputs    = inputSet("name", "expires_on")
)

// accountData reads what the account page shows.
func (h *Web) accountData(r *http.Request) (*accountScreen, error) {
	ctx := r.Context()
	lang := h.lang(r)
	me, err := h.deps.Accounts.Me(ctx)
	if err != nil {
		return nil, err
	}
	teams, err := h.deps.Accounts.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	tokens, err := h.deps.Accounts.ListTokens(ctx, 0)
	if err != nil {
		return nil, err
	}
	data := &accountScreen{page: h.page(r, "account.title"), Me: me, Tokens: tokens,
		Password: newFormState(lang, "pw", url.Values{}), Token: newFormState(lang, "token", url.Values{})}
	data.Nav = "account"
	for _, t := range teams {
		for _, id := range t.MemberIDs {
			if id == me.ID {
				data.Teams = append(data.Teams, t.Name)
			}
		}
	}
	return data, nil
}

func (h *Web) accountPage(w http.ResponseWriter, r *http.Request) error {
	data, err := h.accountData(r)
	if err != nil {
		return err
	}
	data.Message = doneMessage(data.Lang, "account.done.", r.URL.Query().Get("done"), nil)
	h.render(w, r, http.StatusOK, "account", "page", data)
	return nil
}

// changePassword changes the user's own password. The service ends every
// session of the user, this browser's too; this browser then signs in again
// with the new password, so that only the other devices are signed out.
func (h *Web) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, maxAccountForm); err != nil {
		return err
	}
	ctx := r.Context()
	p := principal(ctx)
	if p.TokenID != 0 {
		return crm.Forbidden("web.changePassword")
	}
	lang := h.lang(r)
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	var err error
	if next != r.PostForm.Get("new_password_again") {
		var v crm.Violations
		v.Add("new_password_again", "account.passwords_differ")
		err = v.Err("web.changePassword")
	} else {
		err = h.deps.Accounts.SetPassword(ctx, p.UserID, current, next)
	}
	if err != nil {
		data, derr := h.accountData(r)
		if derr != nil {
			return derr
		}
		data.Password = newFormState(lang, "pw", url.Values{})
		status, ok := refusal(r, data.Password, err, passwordInputs, nil)
		if !ok {
			return err
		}
		h.render(w, r, status, "account", "page", data)
		return nil
	}
	secret, _, err := h.deps.Accounts.Login(ctx, p.Email, next, httpx.ClientAddress(ctx))
	if err != nil {
		// The password changed, but this browser could not sign in again
		// (a limit on sign-ins): it signs in by hand.
		http.SetCookie(w, h.cookie(httpx.SessionCookie, "", -1))
		seeOther(w, r, SignInPath+"?next=%2Faccount")
		return nil
	}
	http.SetCookie(w, h.cookie(httpx.SessionCookie, secret, int(sessionMaxAge.Seconds())))
	seeOther(w, r, "/account?done=password#account-message")
	return nil
}

// createToken makes an API token of the user and shows its secret once.
func (h *Web) createToken(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, maxAccountForm); err != nil {
		return err
	}
	ctx := r.Context()
	lang := h.lang(r)
	expires, err := tokenExpiry(r.PostForm.Get("expires_on"), "web.createToken")
	var t *account.Token
	var secret string
	if err == nil {
		t, secret, err = h.deps.Accounts.CreateToken(ctx, 0, r.PostForm.Get("name"), expires)
	}
	data, derr := h.accountData(r)
	if derr != nil {
		return derr
	}
	if err != nil {
		data.Token = newFormState(lang, "token", r.PostForm)
		status, ok := refusal(r, data.Token, err, tokenInputs, map[string]string{"expires_at": "expires_on"})
		if !ok {
			return err
		}
		h.render(w, r, status, "account", "page", data)
		return nil
	}
	// The secret is in this answer only: no redirect, nothing cached.
	data.NewToken, data.Secret = t, secret
	data.Message = i18n.Message(lang, "account.token_made", map[string]any{"name": t.Name})
	h.render(w, r, http.StatusCreated, "account", "page", data)
	return nil
}

// tokenExpiry reads a token form's expiry day: nil when left empty, the
// start of the day (UTC) when written, else a refusal beside the input.
func tokenExpiry(on, op string) (*time.Time, error) {
	if on = strings.TrimSpace(on); on == "" {
		return nil, nil
	}
	day, err := time.Parse(time.DateOnly, on)
	if err != nil {
		var v crm.Violations
		v.Add("expires_on", "account.invalid_day")
		return nil, v.Err(op)
	}
	return &day, nil
}

// revokeToken stops one of the user's tokens from working.
func (h *Web) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.deps.Accounts.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	seeOther(w, r, "/account?done=revoked#tokens")
	return nil
}

// tokenState is how a token stands: active, expired or revoked.
func (s *accountScreen) TokenState(t *account.Token) string { return tokenState(t) }

func tokenState(t *account.Token) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case t.ExpiresAt != nil && !t.ExpiresAt.After(time.Now()):
		return "expired"
	}
	return "active"
}

// TokenID is a token's id as text, for element ids.
func (s *accountScreen) TokenID(t *account.Token) string { return strconv.FormatInt(t.ID, 10) }

// TeamList names the user's teams.
func (s *accountScreen) TeamList() string { return joinList(s.Lang, s.Teams) }
