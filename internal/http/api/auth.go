package api

import (
	"context"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
)

type loginInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254"`
		Password string `json:"password" maxLength:"1024"`
	}
}

// SessionOutput is the signed-in user, with the session cookie on sign-in.
type SessionOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      SessionBody
}

// SessionBody names the signed-in user.
type SessionBody struct {
	User *account.User `json:"user"`
}

// WhoAmIOutput is the signed-in user, without a cookie.
type WhoAmIOutput struct {
	Body SessionBody
}

// sessionMaxAge matches the account service's default session lifetime.
const sessionMaxAge = 14 * 24 * time.Hour

func (a *API) login(ctx context.Context, in *loginInput) (*SessionOutput, error) {
	secret, u, err := a.deps.Accounts.Login(ctx, in.Body.Email, in.Body.Password, httpx.ClientAddress(ctx))
	if err != nil {
		return nil, err
	}
	out := &SessionOutput{SetCookie: a.sessionCookie(secret, int(sessionMaxAge.Seconds()))}
	out.Body.User = u
	return out, nil
}

// sessionCookie is HttpOnly (no script reads it) and SameSite=Lax (sent on
// links into Guanxi, not on cross-site posts); Secure when served over HTTPS.
func (a *API) sessionCookie(value string, maxAge int) http.Cookie {
	return http.Cookie{
		Name: httpx.SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.deps.SecureCookies,
	}
}

type logoutInput struct {
	Session string `cookie:"guanxi_session"`
}

// LogoutOutput clears the session cookie.
type LogoutOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

func (a *API) logout(ctx context.Context, in *logoutInput) (*LogoutOutput, error) {
	if in.Session != "" {
		if err := a.deps.Accounts.Logout(ctx, in.Session); err != nil {
			return nil, err
		}
	}
	return &LogoutOutput{SetCookie: a.sessionCookie("", -1)}, nil
}

func (a *API) session(ctx context.Context, _ *struct{}) (*WhoAmIOutput, error) {
	u, err := a.deps.Accounts.Me(ctx)
	if err != nil {
		return nil, err
	}
	return &WhoAmIOutput{Body: SessionBody{User: u}}, nil
}
