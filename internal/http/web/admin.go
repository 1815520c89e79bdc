package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// The admin screens: users, teams, custom fields, and pipelines with their
// stages, each a tab with its own address. Only admins open them (the
// services would refuse every change to anyone else anyway); each form
// posts to its own address and comes back to its tab.

const maxAdminForm = 64 << 10

// adminTabs are the tabs, in order.
var adminTabs = []string{"users", "teams", "fields", "pipelines"}

type adminScreen struct {
	page
	Tab     string
	Message string
	forms   map[string]*formState

	Users     []*adminUser
	Edit      *adminUser // the user whose page this is
	Teams     []*adminTeam
	Fields    []customer.FieldDef
	Field     *customer.FieldDef // the custom field whose page this is
	Pipelines []*sales.Pipeline
	Pipeline  *sales.Pipeline // the pipeline whose page this is
}

// adminUser is a user with the names of their teams.
type adminUser struct {
	*account.User
	TeamNames []string
	Choices   []teamChoice // on the user's page: every team, ticked when a member
	Tokens    []*account.Token
	// NewToken and Secret are a token just made for the user, shown once.
	NewToken *account.Token
	Secret   string
}

type teamChoice struct {
	ID     int64
	Name   string
	Member bool
}

// adminTeam is a team with its members' names, and the users who could
// join it.
type adminTeam struct {
	*account.Team
	Members []userRef
	Others  []optionView
}

type userRef struct {
	ID   int64
	Name string
}

// adminTab is a tab of the admin screens.
type adminTab struct {
	Key, Href string
	Current   bool
}

func (s *adminScreen) Tabs() []adminTab {
	out := make([]adminTab, len(adminTabs))
	for i, k := range adminTabs {
		out[i] = adminTab{Key: k, Href: "/admin/" + k, Current: k == s.Tab}
	}
	return out
}

// F is a form of the page by its key: as written and refused, or blank.
func (s *adminScreen) F(key string) *formState {
	if f, ok := s.forms[key]; ok {
		return f
	}
	f := newFormState(s.Lang, key, url.Values{})
	s.forms[key] = f
	return f
}

// Key names a form of one record: "team-5".
func (s *adminScreen) Key(prefix string, id int64) string {
	return prefix + "-" + strconv.FormatInt(id, 10)
}

// Roles are the roles, most powerful first.
func (s *adminScreen) Roles() []string {
	out := make([]string, len(crm.Roles))
	for i, r := range crm.Roles {
		out[i] = string(r)
	}
	return out
}

// requireAdminUI refuses the admin screens to anyone but an admin, with the
// UI's 403 page.
func requireAdminUI(r *http.Request, op string) error {
	if p := principal(r.Context()); p == nil || !p.IsAdmin() {
		return crm.Forbidden(op)
	}
	return nil
}

// adminScreenFor starts a tab's page.
func (h *Web) adminScreenFor(r *http.Request, tab string) *adminScreen {
	s := &adminScreen{page: h.page(r, "admin.tab."+tab), Tab: tab, forms: map[string]*formState{}}
	s.Nav = "admin"
	s.Message = doneMessage(s.Lang, "admin.done.", r.URL.Query().Get("done"), nil)
	return s
}

// refused shows a tab again with a refused form; other errors are the
// error page's.
func (h *Web) refused(w http.ResponseWriter, r *http.Request, s *adminScreen, key string, err error, inputs map[string]bool, rename map[string]string) error {
	// What was posted, and what the page had in the form's other inputs
	// (a stage's move posts no name, yet its form shows one).
	values := url.Values{}
	if had, ok := s.forms[key]; ok {
		for k, v := range had.values {
			if !inputs[k] {
				values[k] = v
			}
		}
	}
	for k, v := range r.PostForm {
		values[k] = v
	}
	f := newFormState(s.Lang, key, values)
	status, ok := refusal(r, f, err, inputs, rename)
	if !ok {
		return err
	}
	s.forms[key] = f
	s.Message = ""
	h.render(w, r, status, "admin", "page", s)
	return nil
}

func (h *Web) adminHome(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdminUI(r, "web.admin"); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	return nil
}

// pathInt reads a numeric path value other than {id}.
func pathInt(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, crm.E("web", crm.KindNotFound, "route_not_found")
	}
	return n, nil
}

// formVersion reads the version a form was made at (0: none, which skips
// the check).
func formVersion(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	return v
}

// adminPost starts an admin form's handler: the admin check, the form.
func adminPost(w http.ResponseWriter, r *http.Request, op string) error {
	if err := requireAdminUI(r, op); err != nil {
		return err
	}
	if err := parseForm(w, r, maxAdminForm); err != nil {
		return err
	}
	if v := r.PostForm.Get("version"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
			// Not a version this page wrote: refused rather than taken as
			// "no check".
			return crm.E(op, crm.KindMalformed, "malformed_request").With("detail", "version")
		}
	}
	return nil
}

// --- Users ---

var (
	userCreateInputs   = inputSet("name", "email", "role", "password", "language")
	userEditInputs     = inputSet("name", "role", "disabled", "language")
	userPasswordInputs = inputSet("new_password", "new_password_again")
)

// loadUsers reads the users with their teams' names.
func (h *Web) loadUsers(r *http.Request, s *adminScreen) error {
	ctx := r.Context()
	users, err := h.deps.Accounts.ListUsers(ctx)
	if err != nil {
		return err
	}
	teams, err := h.deps.Accounts.ListTeams(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	for _, u := range users {
		au := &adminUser{User: u}
		for _, id := range u.TeamIDs {
			au.TeamNames = append(au.TeamNames, names[id])
		}
		s.Users = append(s.Users, au)
	}
	for _, t := range teams {
		s.Teams = append(s.Teams, &adminTeam{Team: t})
	}
	return nil
}

func (h *Web) adminUsersPage(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdminUI(r, "web.adminUsers"); err != nil {
		return err
	}
	s := h.adminScreenFor(r, "users")
	if err := h.loadUsers(r, s); err != nil {
		return err
	}
	s.F("new-user").values.Set("role", string(crm.RoleAgent))
	h.render(w, r, http.StatusOK, "admin", "page", s)
	return nil
}

func (h *Web) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminCreateUser"); err != nil {
		return err
	}
	f := r.PostForm
	var err error
	if f.Get("password") == "" {
		// The service allows a user without a password (tokens only); the
		// screen asks for one, since the person is to sign in.
		var v crm.Violations
		v.Add("password", "required")
		err = v.Err("web.adminCreateUser")
	} else {
		_, err = h.deps.Accounts.CreateUser(r.Context(), account.UserFields{Name: f.Get("name"), Email: f.Get("email"),
			Role: crm.Role(f.Get("role")), Language: f.Get("language")}, f.Get("password"))
	}
	if err != nil {
		s := h.adminScreenFor(r, "users")
		if lerr := h.loadUsers(r, s); lerr != nil {
			return lerr
		}
		return h.refused(w, r, s, "new-user", err, userCreateInputs, map[string]string{"duplicate_email": "email"})
	}
	seeOther(w, r, "/admin/users?done=user_created#admin-message")
	return nil
}

// userScreen reads a user's page.
func (h *Web) userScreen(r *http.Request, id int64) (*adminScreen, error) {
	ctx := r.Context()
	u, err := h.deps.Accounts.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	teams, err := h.deps.Accounts.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	tokens, err := h.deps.Accounts.ListTokens(ctx, id)
	if err != nil {
		return nil, err
	}
	s := h.adminScreenFor(r, "users")
	s.TitleKey = "admin.user_title"
	// The language switch comes back to the user's page, not to the
	// address a form posted to.
	s.Path = "/admin/users/" + strconv.FormatInt(id, 10)
	s.Edit = &adminUser{User: u, Tokens: tokens}
	for _, t := range teams {
		s.Edit.Choices = append(s.Edit.Choices, teamChoice{ID: t.ID, Name: t.Name, Member: slices.Contains(u.TeamIDs, t.ID)})
	}
	edit := s.F("edit-user")
	edit.values.Set("name", u.Name)
	edit.values.Set("role", string(u.Role))
	edit.values.Set("language", u.Language)
	if u.Disabled {
		edit.values.Set("disabled", "on")
	}
	return s, nil
}

func (h *Web) adminUserPage(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdminUI(r, "web.adminUser"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s, err := h.userScreen(r, id)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "admin", "page", s)
	return nil
}

// adminUpdateUser changes a user's name, role, language, whether they may
// sign in, and their teams, together.
func (h *Web) adminUpdateUser(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminUpdateUser"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	var teams []int64
	for _, v := range f["team"] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return crm.NotFound("web.adminUpdateUser", "team", v)
		}
		teams = append(teams, n)
	}
	_, err = h.deps.Accounts.UpdateUserAndTeams(ctx, id, formVersion(r), func(uf *account.UserFields) error {
		uf.Name, uf.Role, uf.Language, uf.Disabled = f.Get("name"), crm.Role(f.Get("role")), f.Get("language"), f.Get("disabled") != ""
		return nil
	}, teams)
	if err != nil {
		s, lerr := h.userScreen(r, id)
		if lerr != nil {
			return lerr
		}
		for i := range s.Edit.Choices { // the teams as ticked, not as saved
			s.Edit.Choices[i].Member = slices.Contains(f["team"], strconv.FormatInt(s.Edit.Choices[i].ID, 10))
		}
		return h.refused(w, r, s, "edit-user", err, userEditInputs, nil)
	}
	seeOther(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?done=user_saved#admin-message")
	return nil
}

// adminSetPassword sets another user's password (an admin needs no
// current one); the user's sessions end.
func (h *Web) adminSetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminSetPassword"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if id == principal(r.Context()).UserID {
		// One's own password, with the current one, on the account page.
		seeOther(w, r, "/account")
		return nil
	}
	next := r.PostForm.Get("new_password")
	if next != r.PostForm.Get("new_password_again") {
		var v crm.Violations
		v.Add("new_password_again", "account.passwords_differ")
		err = v.Err("web.adminSetPassword")
	} else {
		err = h.deps.Accounts.SetPassword(r.Context(), id, "", next)
	}
	if err != nil {
		s, lerr := h.userScreen(r, id)
		if lerr != nil {
			return lerr
		}
		r.PostForm = url.Values{} // never written back into the page
		return h.refused(w, r, s, "user-password", err, userPasswordInputs, nil)
	}
	seeOther(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?done=password_set#admin-message")
	return nil
}

// adminRevokeToken stops one of a user's API tokens from working.
func (h *Web) adminRevokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminRevokeToken"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	tokenID, err := pathInt(r, "token")
	if err != nil {
		return err
	}
	if err := h.deps.Accounts.RevokeToken(r.Context(), tokenID); err != nil {
		return err
	}
	seeOther(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?done=token_revoked#user-tokens")
	return nil
}

// adminCreateToken makes an API token for the user, for a program that
// works as them, and shows its secret once: the answer is the page itself,
// never a redirect, so the secret is in no address and no history.
func (h *Web) adminCreateToken(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminCreateToken"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	expires, err := tokenExpiry(r.PostForm.Get("expires_on"), "web.adminCreateToken")
	var t *account.Token
	var secret string
	if err == nil {
		t, secret, err = h.deps.Accounts.CreateToken(r.Context(), id, r.PostForm.Get("name"), expires)
	}
	s, lerr := h.userScreen(r, id)
	if lerr != nil {
		return lerr
	}
	if err != nil {
		return h.refused(w, r, s, "user-token", err, tokenInputs, map[string]string{"expires_at": "expires_on"})
	}
	s.Edit.NewToken, s.Edit.Secret = t, secret
	s.Message = i18n.Message(s.Lang, "account.token_made", map[string]any{"name": t.Name})
	h.render(w, r, http.StatusCreated, "admin", "page", s)
	return nil
}

// TokenState is how a token stands: active, expired or revoked.
func (s *adminScreen) TokenState(t *account.Token) string { return tokenState(t) }

// --- Teams ---

var (
	teamInputs   = inputSet("name")
	memberInputs = inputSet("user_id")
)

// loadTeams reads the teams with their members and the users who could
// join each.
func (h *Web) loadTeams(r *http.Request, s *adminScreen) error {
	ctx := r.Context()
	teams, err := h.deps.Accounts.ListTeams(ctx)
	if err != nil {
		return err
	}
	users, err := h.deps.Accounts.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, t := range teams {
		at := &adminTeam{Team: t}
		for _, u := range users {
			if slices.Contains(t.MemberIDs, u.ID) {
				at.Members = append(at.Members, userRef{ID: u.ID, Name: u.Name})
			} else if !u.Disabled {
				at.Others = append(at.Others, optionView{Value: strconv.FormatInt(u.ID, 10), Label: u.Name + " <" + u.Email + ">"})
			}
		}
		s.Teams = append(s.Teams, at)
		s.F(s.Key("team", t.ID)).values.Set("name", t.Name)
	}
	return nil
}

func (h *Web) adminTeamsPage(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdminUI(r, "web.adminTeams"); err != nil {
		return err
	}
	s := h.adminScreenFor(r, "teams")
	if err := h.loadTeams(r, s); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "admin", "page", s)
	return nil
}

// teamRefused shows the teams again with a refused form.
func (h *Web) teamRefused(w http.ResponseWriter, r *http.Request, key string, err error, inputs map[string]bool) error {
	s := h.adminScreenFor(r, "teams")
	if lerr := h.loadTeams(r, s); lerr != nil {
		return lerr
	}
	return h.refused(w, r, s, key, err, inputs, map[string]string{"duplicate_team": "name"})
}

func (h *Web) adminCreateTeam(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminCreateTeam"); err != nil {
		return err
	}
	if _, err := h.deps.Accounts.CreateTeam(r.Context(), account.TeamFields{Name: r.PostForm.Get("name")}); err != nil {
		return h.teamRefused(w, r, "new-team", err, teamInputs)
	}
	seeOther(w, r, "/admin/teams?done=team_created#admin-message")
	return nil
}

func (h *Web) adminRenameTeam(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminRenameTeam"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	_, err = h.deps.Accounts.UpdateTeam(r.Context(), id, formVersion(r), func(f *account.TeamFields) error {
		f.Name = r.PostForm.Get("name")
		return nil
	})
	if err != nil {
		return h.teamRefused(w, r, "team-"+strconv.FormatInt(id, 10), err, teamInputs)
	}
	seeOther(w, r, "/admin/teams?done=team_saved#team-"+strconv.FormatInt(id, 10))
	return nil
}

func (h *Web) adminAddMember(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminAddMember"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	userID, perr := strconv.ParseInt(r.PostForm.Get("user_id"), 10, 64)
	if perr != nil || userID <= 0 {
		var v crm.Violations
		v.Add("user_id", "required")
		err = v.Err("web.adminAddMember")
	} else {
		_, err = h.deps.Accounts.SetTeamMember(r.Context(), id, userID, true)
	}
	if err != nil {
		return h.teamRefused(w, r, "member-"+strconv.FormatInt(id, 10), err, memberInputs)
	}
	seeOther(w, r, "/admin/teams?done=member_added#team-"+strconv.FormatInt(id, 10))
	return nil
}

func (h *Web) adminRemoveMember(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminRemoveMember"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	userID, err := pathInt(r, "user")
	if err != nil {
		return err
	}
	if _, err := h.deps.Accounts.SetTeamMember(r.Context(), id, userID, false); err != nil {
		return err
	}
	seeOther(w, r, "/admin/teams?done=member_removed#team-"+strconv.FormatInt(id, 10))
	return nil
}

func (h *Web) adminDeleteTeam(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminDeleteTeam"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.deps.Accounts.DeleteTeam(r.Context(), id); err != nil {
		return err
	}
	seeOther(w, r, "/admin/teams?done=team_deleted#admin-message")
	return nil
}

// --- Custom fields ---

var fieldInputs = inputSet("record_type", "key", "label", "type", "options", "currency", "required")

func (s *adminScreen) RecordTypes() []string {
	return []string{customer.RecordContact, customer.RecordCompany}
}

func (s *adminScreen) FieldTypes() []string { return joinTypes(customer.FieldTypes) }

func joinTypes(ts []customer.FieldType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// OptionList shows a select field's choices.
func (s *adminScreen) OptionList(d customer.FieldDef) string {
	var out []string
	for _, o := range d.Options {
		label := o.Label
		if l := o.Labels[s.Lang]; l != "" {
			label = l
		}
		out = append(out, label)
	}
	return joinList(s.Lang, out)
}

func (h *Web) loadFields(r *http.Request, s *adminScreen) error {
	defs, err := h.deps.Customers.ListFieldDefs(r.Context(), "")
	if err != nil {
		return err
	}
	s.Fields = defs
	return nil
}

func (h *Web) adminFieldsPage(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdminUI(r, "web.adminFields"); err != nil {
		return err
	}
	s := h.adminScreenFor(r, "fields")
	if err := h.loadFields(r, s); err != nil {
		return err
	}
	nf := s.F("new-field")
	nf.values.Set("record_type", customer.RecordContact)
	nf.values.Set("type", string(customer.FieldText))
	h.render(w, r, http.StatusOK, "admin", "page", s)
	return nil
}

// adminCreateField defines a custom field. Options are written one a
// line; the currency is asked of money fields only.
func (h *Web) adminCreateField(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminCreateField"); err != nil {
		return err
	}
	f := r.PostForm
	in := customer.FieldDefFields{RecordType: f.Get("record_type"), Key: strings.TrimSpace(f.Get("key")), Label: f.Get("label"),
		Type: customer.FieldType(f.Get("type")), Required: f.Get("required") != ""}
	if in.Type == customer.FieldMoney {
		in.Currency = strings.ToUpper(strings.TrimSpace(f.Get("currency")))
	}
	for _, line := range strings.Split(f.Get("options"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Options = append(in.Options, customer.Option{Value: line})
		}
	}
	if _, err := h.deps.Customers.CreateFieldDef(r.Context(), in); err != nil {
		s := h.adminScreenFor(r, "fields")
		if lerr := h.loadFields(r, s); lerr != nil {
			return lerr
		}
		rename := map[string]string{"duplicate_field_key": "key"}
		for i := range in.Options {
			rename["options["+strconv.Itoa(i)+"].value"] = "options"
		}
		return h.refused(w, r, s, "new-field", err, fieldInputs, rename)
	}
	seeOther(w, r, "/admin/fields?done=field_created#admin-message")
	return nil
}

// fieldEditInputs are the inputs of a field's form: what the service lets
// change. The key, type, record type and currency are shown, not written.
var fieldEditInputs = inputSet(append([]string{"label", "options", "required", "position"}, labelInputs()...)...)

// maxFieldPosition bounds the order of a field in forms (a database
// integer; no shop has thousands of fields).
const maxFieldPosition = 9999

// LabelLanguages are the languages a field's label is translated into;
// its own label shows in the others.
func (s *adminScreen) LabelLanguages() []string { return translatedLanguages() }

func translatedLanguages() []string {
	var out []string
	for _, l := range i18n.Languages {
		if l != i18n.English {
			out = append(out, l)
		}
	}
	return out
}

func labelInputs() []string {
	var out []string
	for _, l := range translatedLanguages() {
		out = append(out, "labels."+l)
	}
	return out
}

// FieldLabel is a field's label in the user's language.
func (s *adminScreen) FieldLabel(d customer.FieldDef) string {
	if l := d.Labels[s.Lang]; l != "" {
		return l
	}
	if d.Label != "" {
		return d.Label
	}
	return d.Key
}

// HasOptions reports whether a field is a choice of options.
func (s *adminScreen) HasOptions(d customer.FieldDef) bool {
	return d.Type == customer.FieldSelect || d.Type == customer.FieldMultiSelect
}

// fieldScreen reads a custom field's page, its form filled with the field
// as saved.
func (h *Web) fieldScreen(r *http.Request, id int64) (*adminScreen, error) {
	d, err := h.deps.Customers.GetFieldDef(r.Context(), id)
	if err != nil {
		return nil, err
	}
	s := h.adminScreenFor(r, "fields")
	s.TitleKey = "admin.field_title"
	s.Path = "/admin/fields/" + strconv.FormatInt(id, 10)
	s.Field = d
	f := s.F("edit-field")
	f.values.Set("label", d.Label)
	for _, l := range translatedLanguages() {
		f.values.Set("labels."+l, d.Labels[l])
	}
	values := make([]string, len(d.Options))
	for i, o := range d.Options {
		values[i] = o.Value
	}
	f.values.Set("options", strings.Join(values, "\n"))
	f.values.Set("position", strconv.Itoa(d.Position))
	if d.Required {
		f.values.Set("required", "on")
	}
	return s, nil
}

func (h *Web) adminFieldPage(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdminUI(r, "web.adminField"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s, err := h.fieldScreen(r, id)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "admin", "page", s)
	return nil
}

// adminUpdateField changes a custom field's labels, choices, whether it is
// required, and its place in forms. Choices are written one a line, as on
// creation; a choice kept keeps the labels and translations it had (the
// API may have set them). The service takes the version: a field changed
// meanwhile is refused, not overwritten.
func (h *Web) adminUpdateField(w http.ResponseWriter, r *http.Request) error {
	const op = "web.adminUpdateField"
	if err := adminPost(w, r, op); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	form := r.PostForm
	// What the service does not check of a form: the translations' text
	// (the service keeps them as given) and the position as a number.
	var v crm.Violations
	labels := map[string]string{}
	for _, l := range translatedLanguages() {
		if text := crm.CleanText(&v, "labels."+l, form.Get("labels."+l), 100); text != "" {
			labels[l] = text
		}
	}
	position := -1 // not written: stays where it is
	if raw := strings.TrimSpace(form.Get("position")); raw != "" {
		n, perr := strconv.Atoi(raw)
		switch {
		case perr != nil:
			v.Add("position", "expected_integer")
		case n < 0 || n > maxFieldPosition:
			v.Add("position", "out_of_range", "min", 0, "max", maxFieldPosition)
		default:
			position = n
		}
	}
	var lines []string
	for _, line := range strings.Split(form.Get("options"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	err = v.Err(op)
	if err == nil {
		_, err = h.deps.Customers.UpdateFieldDef(r.Context(), id, formVersion(r), func(d *customer.FieldDefFields) error {
			d.Label, d.Required = form.Get("label"), form.Get("required") != ""
			if position >= 0 {
				d.Position = position
			}
			for _, l := range translatedLanguages() {
				switch {
				case labels[l] == "":
					delete(d.Labels, l)
				case d.Labels == nil:
					d.Labels = map[string]string{l: labels[l]}
				default:
					d.Labels[l] = labels[l]
				}
			}
			// Only a choice field's form has choices; like the key, they
			// are not read from any other.
			if d.Type == customer.FieldSelect || d.Type == customer.FieldMultiSelect {
				d.Options = keepOptions(d.Options, lines)
			}
			return nil
		})
	}
	if err != nil {
		s, lerr := h.fieldScreen(r, id)
		if lerr != nil {
			return lerr
		}
		rename := map[string]string{}
		for i := range lines {
			rename["options["+strconv.Itoa(i)+"].value"] = "options"
		}
		return h.refused(w, r, s, "edit-field", err, fieldEditInputs, rename)
	}
	seeOther(w, r, "/admin/fields/"+strconv.FormatInt(id, 10)+"?done=field_saved#admin-message")
	return nil
}

// keepOptions are the choices written one a line, each with the labels it
// had when it was a choice before.
func keepOptions(had []customer.Option, lines []string) []customer.Option {
	out := make([]customer.Option, 0, len(lines))
	for _, line := range lines {
		o := customer.Option{Value: line}
		for _, h := range had {
			if h.Value == line {
				o = h
				break
			}
		}
		out = append(out, o)
	}
	return out
}

func (h *Web) adminDeleteField(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminDeleteField"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.deps.Customers.DeleteFieldDef(r.Context(), id); err != nil {
		return err
	}
	seeOther(w, r, "/admin/fields?done=field_deleted#admin-message")
	return nil
}

// TeamList names a user's teams.
func (s *adminScreen) TeamList(u *adminUser) string { return joinList(s.Lang, u.TeamNames) }
