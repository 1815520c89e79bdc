package e2e_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestAdminUI: an admin opens the admin screens from the user menu, creates
// a user and a pipeline with two stages; the new user signs in, is refused
// a password change with a wrong current password, then changes it. In
// English on the first store and in Traditional Chinese on the last, and
// the screens on a phone.
func TestAdminUI(t *testing.T) {
	browserCtx := startBrowser(t)
	engines := testenv.AvailableEngines(t)
	for _, j := range journeys(engines) {
		t.Run("admin/"+j.lang+"/"+j.engine, func(t *testing.T) {
			s := testenv.StartServer(t, j.engine)
			seedAdmin(t, s)
			u := newTab(t, browserCtx, s, j.lang, j.acceptLanguage, "admin-"+j.lang, 0, 0)
			u.signInAs(adminEmail, adminPassword)
			u.createUser()
			u.createPipeline()
			n := newTab(t, browserCtx, s, j.lang, j.acceptLanguage, "account-"+j.lang, 0, 0)
			n.signInAs(newUserEmail, newUserPassword)
			n.changePassword()
		})
	}
	t.Run("admin-phone-375px", func(t *testing.T) {
		s := testenv.StartServer(t, engines[0])
		seedAdmin(t, s)
		u := newTab(t, browserCtx, s, i18n.Traditional, "zh-TW", "admin-phone", 375, 740)
		u.signInAs(adminEmail, adminPassword)
		u.createUser()
		u.createPipeline()
		for _, tab := range []string{"teams", "fields"} {
			u.do("opening the "+tab+" tab", chromedp.Click(chromedp.ID("tab-"+tab)), chromedp.WaitVisible(chromedp.ID("new-"+strings.TrimSuffix(tab, "s"))))
			u.checkPage("admin-" + tab)
		}
		u.do("opening the account page", chromedp.Navigate(u.s.URL+"/account"), chromedp.WaitVisible(chromedp.ID("password-form")))
		u.checkPage("account")
	})
}

const (
	newUserEmail    = "lin@example.com"
	newUserPassword = "first password 123"
	newUserChanged  = "second password 456"
)

// createUser opens the admin screens from the user menu and creates a
// manager with an initial password.
func (u *ui) createUser() {
	u.t.Helper()
	u.do("opening the admin screens from the user menu",
		chromedp.Click(chromedp.CSS(".user-menu summary")),
		chromedp.Click(chromedp.CSS(`.user-menu a[href="/admin"]`)),
		chromedp.WaitVisible(chromedp.ID("new-user-form")))
	u.checkPage("admin-users")
	u.do("creating a user",
		chromedp.SendKeys(chromedp.ID("new-user-name"), "林志玲"),
		chromedp.SendKeys(chromedp.ID("new-user-email"), newUserEmail),
		chromedp.SetValue(chromedp.ID("new-user-role"), "manager"),
		chromedp.SendKeys(chromedp.ID("new-user-password"), newUserPassword),
		chromedp.Click(chromedp.ID("new-user-submit")),
		chromedp.WaitVisible(chromedp.ID("admin-message")))
	if got, want := u.text("admin-message"), u.msg("admin.done.user_created"); got != want {
		u.t.Errorf("after creating the user the page says %q, want %q", got, want)
	}
	if got := u.text("user-list"); !strings.Contains(got, "林志玲") || !strings.Contains(got, u.msg("admin.role.manager")) {
		u.t.Errorf("the user list reads %q", got)
	}
	p, err := u.s.Accounts.PrincipalFor(crm.WithPrincipal(context.Background(), crm.System), newUserEmail)
	if err != nil || p.Role != crm.RoleManager || p.Name != "林志玲" {
		u.t.Fatalf("the new user is %+v (%v)", p, err)
	}
	u.checkPage("admin-user-created")
}

// createPipeline creates a pipeline with two open stages on the pipelines
// tab, first with a probability out of range, which is refused beside its
// input.
func (u *ui) createPipeline() {
	u.t.Helper()
	name, first, second := "Partner sales", "Introduced", "Proposal sent"
	if u.lang != i18n.English {
		name, first, second = "通路夥伴銷售", "引薦", "已送提案"
	}
	u.do("opening the pipelines tab", chromedp.Click(chromedp.ID("tab-pipelines")), chromedp.WaitVisible(chromedp.ID("new-pipeline-form")))
	u.do("writing a pipeline with a probability out of range",
		chromedp.SendKeys(chromedp.ID("new-pipeline-name"), name),
		chromedp.SendKeys(chromedp.ID("new-pipeline-stages-0-name"), first),
		chromedp.SendKeys(chromedp.ID("new-pipeline-stages-0-probability"), "20"),
		chromedp.SendKeys(chromedp.ID("new-pipeline-stages-1-name"), second),
		chromedp.SendKeys(chromedp.ID("new-pipeline-stages-1-probability"), "170"),
		chromedp.Click(chromedp.ID("new-pipeline-submit")),
		chromedp.WaitVisible(chromedp.ID("new-pipeline-stages-1-probability-error")))
	want := i18n.Message(u.lang, "out_of_range", map[string]any{"min": 0, "max": 100})
	if got := u.text("new-pipeline-stages-1-probability-error"); !strings.Contains(got, want) {
		u.t.Errorf("the refused probability says %q, want %q", got, want)
	}
	u.checkPage("admin-pipeline-refused")
	u.do("correcting the probability",
		chromedp.SetValue(chromedp.ID("new-pipeline-stages-1-probability"), "55"),
		chromedp.Click(chromedp.ID("new-pipeline-submit")),
		chromedp.WaitVisible(chromedp.ID("stage-list")))
	if got := u.text("admin-message"); got != u.msg("admin.done.pipeline_created") {
		u.t.Errorf("after creating the pipeline the page says %q", got)
	}
	ps, err := u.s.Sales.ListPipelines(crm.WithPrincipal(context.Background(), crm.System))
	if err != nil {
		u.t.Fatal(err)
	}
	var made *sales.Pipeline
	for _, p := range ps {
		if p.Name == name {
			made = p
		}
	}
	if made == nil || len(made.Stages) != 4 || made.Stages[0].Name != first || made.Stages[1].Probability != 55 ||
		made.Stages[2].Kind != sales.KindWon || made.Stages[3].Name != u.msg("admin.lost_default") {
		u.t.Fatalf("the pipeline made is %+v", made)
	}
	if got := u.text("stage-list"); !strings.Contains(got, u.msg("admin.won_default")) {
		u.t.Errorf("the stages read %q", got)
	}
	u.checkPage("admin-pipeline")
}

// changePassword: the new user opens their account from the user menu, is
// refused with a wrong current password, then changes it and stays signed
// in; the new password signs in, the first one no longer does.
func (u *ui) changePassword() {
	u.t.Helper()
	u.do("opening the account page from the user menu",
		chromedp.Click(chromedp.CSS(".user-menu summary")),
		chromedp.Click(chromedp.CSS(`.user-menu a[href="/account"]`)),
		chromedp.WaitVisible(chromedp.ID("password-form")))
	if got := u.text("me-email"); got != newUserEmail {
		u.t.Errorf("the account page shows the email %q", got)
	}
	if got := u.text("me-role"); got != u.msg("admin.role.manager") {
		u.t.Errorf("the account page shows the role %q", got)
	}
	u.checkPage("account")
	u.do("changing the password with a wrong current one",
		chromedp.SendKeys(chromedp.ID("pw-current_password"), "not the password"),
		chromedp.SendKeys(chromedp.ID("pw-new_password"), newUserChanged),
		chromedp.SendKeys(chromedp.ID("pw-new_password_again"), newUserChanged),
		chromedp.Click(chromedp.ID("password-submit")),
		chromedp.WaitVisible(chromedp.ID("pw-current_password-error")))
	if got := u.text("pw-current_password-error"); !strings.Contains(got, u.msg("wrong_password")) {
		u.t.Errorf("the wrong password is refused with %q", got)
	}
	u.checkPage("account-refused")
	u.do("changing the password",
		chromedp.SendKeys(chromedp.ID("pw-current_password"), newUserPassword),
		chromedp.SendKeys(chromedp.ID("pw-new_password"), newUserChanged),
		chromedp.SendKeys(chromedp.ID("pw-new_password_again"), newUserChanged),
		chromedp.Click(chromedp.ID("password-submit")),
		chromedp.WaitVisible(chromedp.ID("account-message")))
	if got := u.text("account-message"); got != u.msg("account.done.password") {
		u.t.Errorf("after the change the page says %q", got)
	}
	u.checkPage("account-changed")
	ctx := context.Background()
	if _, _, err := u.s.Accounts.Login(ctx, newUserEmail, newUserPassword, "e2e"); err == nil {
		u.t.Error("the first password still signs in")
	}
	if _, _, err := u.s.Accounts.Login(ctx, newUserEmail, newUserChanged, "e2e"); err != nil {
		u.t.Errorf("the new password does not sign in: %v", err)
	}
}
