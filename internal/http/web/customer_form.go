package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// The form that creates and edits a customer. The service validates; its
// violations (field paths such as emails[1].address, with codes) come back
// as messages beside the inputs of the same name.

type contactForm struct {
	page
	ID      int64
	Version int64
	F       formValues
	// Errors are the messages per input name; FormErrors those that belong
	// to no input on the form.
	Errors     map[string]string
	FormErrors []formError
	// Duplicate is the existing customer that has one of the form's
	// emails or phones, when that is why the form came back.
	Duplicate *duplicateOffer
}

// duplicateOffer is what the form offers when the customer seems to exist
// already: open the existing record, save anyway, or save and merge the
// two (when the user may change the existing one).
type duplicateOffer struct {
	ID       int64
	Name     string
	CanMerge bool
}

type formError struct {
	Message string
	Link    string // a record the error is about (the existing duplicate)
}

// formValues are the inputs as written, so that a refused form comes back
// as the user left it.
type formValues struct {
	DisplayName, FamilyName, GivenName string
	Emails                             []customer.Email
	Phones                             []customer.Phone
	Address                            customer.Address
	Birthday                           string
	Gender                             string
	LifecycleStage                     string
	Tags                               string
}

// Choices shown as selects.
var (
	emailLabels = []string{"", "work", "home", "other"}
	phoneLabels = []string{"", "mobile", "work", "home", "fax", "other"}
	genders     = []string{"", "female", "male", "other"}
)

func (f contactForm) EmailLabels() []string { return emailLabels }
func (f contactForm) PhoneLabels() []string { return phoneLabels }
func (f contactForm) Genders() []string     { return genders }

// Stages are the lifecycle stages, in order.
func (f contactForm) Stages() []string {
	out := make([]string, len(customer.Stages))
	for i, s := range customer.Stages {
		out[i] = string(s)
	}
	return out
}

// Input is a text input of the form.
func (f contactForm) Input(name, label, value, typ, autocomplete string) inputView {
	return form{f.Lang, f.Errors}.Input(name, label, value, typ, autocomplete)
}

// Select is a select of the form.
func (f contactForm) Select(name, label, value string, options []string, prefix string) selectView {
	return form{f.Lang, f.Errors}.Select(name, label, value, options, prefix)
}

// Field names an input: emails[0].address.
func (f contactForm) Field(list string, i int, sub string) string {
	return list + "[" + strconv.Itoa(i) + "]." + sub
}

func valuesOf(c *customer.Contact) formValues {
	return formValues{
		DisplayName: c.DisplayName, FamilyName: c.FamilyName, GivenName: c.GivenName,
		Emails: append([]customer.Email{}, c.Emails...), Phones: append([]customer.Phone{}, c.Phones...),
		Address: c.Address, Birthday: c.Birthday, Gender: string(c.Gender), LifecycleStage: string(c.LifecycleStage),
		Tags: strings.Join(c.Tags, ", "),
	}
}

// withBlankRows adds empty rows for a new email and phone.
func (v formValues) withBlankRows() formValues {
	v.Emails = append(v.Emails, customer.Email{})
	v.Phones = append(v.Phones, customer.Phone{})
	return v
}

func (h *Web) newCustomerPage(w http.ResponseWriter, r *http.Request) error {
	if !principal(r.Context()).CanWrite() {
		return crm.Forbidden("web.newCustomer")
	}
	data := &contactForm{page: h.page(r, "customer_form.new_title"), F: formValues{}.withBlankRows()}
	data.Nav = "customers"
	h.render(w, r, http.StatusOK, "customer_form", "page", data)
	return nil
}

func (h *Web) editCustomerPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := h.deps.Customers.GetContact(r.Context(), id)
	if err != nil {
		return err
	}
	if c.Restricted || !principal(r.Context()).CanWrite() || c.DeletedAt != nil {
		return crm.Forbidden("web.editCustomer")
	}
	data := &contactForm{page: h.page(r, "customer_form.edit_title"), ID: c.ID, Version: c.Version, F: valuesOf(c).withBlankRows()}
	data.Nav = "customers"
	h.render(w, r, http.StatusOK, "customer_form", "page", data)
	return nil
}

func (h *Web) createCustomer(w http.ResponseWriter, r *http.Request) error {
	in, err := readContactForm(w, r)
	if err != nil {
		return err
	}
	// After a duplicate warning the user may save all the same, and then
	// merge the new record into the existing one.
	choice := r.PostForm.Get("duplicate")
	existing, _ := strconv.ParseInt(r.PostForm.Get("duplicate_of"), 10, 64)
	opt := customer.WriteOptions{Source: "ui", AllowDuplicate: choice == "keep" || (choice == "merge" && existing > 0)}
	c, err := h.deps.Customers.CreateContact(r.Context(), in.fields(), opt)
	if err != nil {
		data := &contactForm{page: h.page(r, "customer_form.new_title"), F: in.values}
		return h.formFailed(w, r, data, in, err)
	}
	if choice == "merge" && existing > 0 {
		seeOther(w, r, "/customers/"+strconv.FormatInt(existing, 10)+"/merge?with="+strconv.FormatInt(c.ID, 10))
		return nil
	}
	seeOther(w, r, "/customers/"+strconv.FormatInt(c.ID, 10))
	return nil
}

func (h *Web) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := readContactForm(w, r)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	next := in.fields()
	_, err = h.deps.Customers.UpdateContact(r.Context(), id, version, func(f *customer.ContactFields) error {
		// Only what the form shows changes: consent, custom fields,
		// anniversaries and ownership stay as they are.
		f.DisplayName, f.FamilyName, f.GivenName = next.DisplayName, next.FamilyName, next.GivenName
		f.Emails, f.Phones, f.Address = next.Emails, next.Phones, next.Address
		f.Birthday, f.Gender, f.LifecycleStage, f.Tags = next.Birthday, next.Gender, next.LifecycleStage, next.Tags
		return nil
	}, customer.WriteOptions{Source: "ui"})
	if err != nil {
		data := &contactForm{page: h.page(r, "customer_form.edit_title"), ID: id, Version: version, F: in.values}
		return h.formFailed(w, r, data, in, err)
	}
	seeOther(w, r, "/customers/"+strconv.FormatInt(id, 10))
	return nil
}

// formFailed shows the form again with the service's reasons: 422 for
// invalid fields, 409 for a duplicate, 412 when someone else saved first.
// Other errors (forbidden, not found, internal) are the error page's.
func (h *Web) formFailed(w http.ResponseWriter, r *http.Request, data *contactForm, in *contactInput, err error) error {
	ce, ok := crm.AsError(err)
	if !ok || (ce.Kind != crm.KindInvalid && ce.Kind != crm.KindConflict && ce.Kind != crm.KindStale) {
		return err
	}
	lang := h.lang(r)
	data.Nav = "customers"
	data.Errors = map[string]string{}
	for _, f := range ce.Fields {
		name := in.formField(f.Field)
		msg := i18n.Message(lang, f.Code, f.Params)
		if formInputs[baseInput(name)] {
			if _, taken := data.Errors[name]; !taken {
				data.Errors[name] = msg
			}
			continue
		}
		data.FormErrors = append(data.FormErrors, formError{Message: fieldLabel(lang, f.Field) + ": " + msg})
	}
	if len(ce.Fields) == 0 {
		fe := formError{Message: i18n.Message(lang, ce.Code, ce.Params)}
		if id, ok := ce.Params["existing_id"]; ok {
			fe.Link = "/customers/" + strconv.FormatInt(toInt64(id), 10)
			data.Duplicate = h.duplicateOffer(r, toInt64(id))
		}
		data.FormErrors = append(data.FormErrors, fe)
	}
	if ce.Kind == crm.KindStale {
		if v, ok := ce.Params["current_version"]; ok {
			data.Version = toInt64(v) // saving again overwrites, knowingly
		}
	}
	data.F = data.F.withBlankRows()
	status := http.StatusUnprocessableEntity
	switch ce.Kind {
	case crm.KindConflict:
		status = http.StatusConflict
	case crm.KindStale:
		status = http.StatusPreconditionFailed
	}
	h.render(w, r, status, "customer_form", "page", data)
	return nil
}

// duplicateOffer describes the existing customer a form duplicates, as the
// user may see it.
func (h *Web) duplicateOffer(r *http.Request, id int64) *duplicateOffer {
	c, err := h.deps.Customers.GetContact(r.Context(), id)
	if err != nil {
		return nil
	}
	return &duplicateOffer{ID: c.ID, Name: c.DisplayName,
		CanMerge: !c.Restricted && c.DeletedAt == nil && principal(r.Context()).WritesRecord(c.OwnerID, c.TeamID)}
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}

// formInputs are the inputs of the form, by their name without an index.
var formInputs = map[string]bool{
	"display_name": true, "family_name": true, "given_name": true,
	"emails[].address": true, "emails[].label": true,
	"phones[].number": true, "phones[].ext": true, "phones[].label": true,
	"address.street": true, "address.city": true, "address.region": true, "address.postal_code": true, "address.country": true,
	"birthday": true, "gender": true, "lifecycle_stage": true, "tags": true,
}

var indexPart = regexp.MustCompile(`\[\d+\]`)

// baseInput drops the indexes of a field path: emails[2].address →
// emails[].address.
func baseInput(field string) string { return indexPart.ReplaceAllString(field, "[]") }

// fieldLabel names a field of the service in the user's language, for a
// message about a field the form does not show.
func fieldLabel(lang, field string) string {
	head := field
	if i := strings.IndexAny(head, ".["); i > 0 {
		head = head[:i]
	}
	for _, key := range []string{"field." + head, "c360.field." + head} {
		if i18n.Has(key) {
			return i18n.Message(lang, key, nil)
		}
	}
	return field
}

// contactInput is the form as read: the values as written, and where each
// non-blank email and phone row came from, since blank rows are dropped
// before the service sees them.
type contactInput struct {
	values    formValues
	emailRows []int // service index → form row
	phoneRows []int
}

// maxRows bounds the email and phone rows read from a form.
const maxRows = 25

func readContactForm(w http.ResponseWriter, r *http.Request) (*contactInput, error) {
	if err := parseForm(w, r, 256<<10); err != nil {
		return nil, err
	}
	f := r.PostForm
	in := &contactInput{values: formValues{
		DisplayName: f.Get("display_name"), FamilyName: f.Get("family_name"), GivenName: f.Get("given_name"),
		Address: customer.Address{Street: f.Get("address.street"), City: f.Get("address.city"), Region: f.Get("address.region"),
			PostalCode: f.Get("address.postal_code"), Country: strings.ToUpper(strings.TrimSpace(f.Get("address.country")))},
		Birthday: f.Get("birthday"), Gender: f.Get("gender"), LifecycleStage: f.Get("lifecycle_stage"), Tags: f.Get("tags"),
	}}
	for i := 0; i < maxRows; i++ {
		p := "emails[" + strconv.Itoa(i) + "]."
		if _, ok := f[p+"address"]; !ok {
			break
		}
		in.values.Emails = append(in.values.Emails, customer.Email{Address: f.Get(p + "address"), Label: f.Get(p + "label")})
	}
	for i := 0; i < maxRows; i++ {
		p := "phones[" + strconv.Itoa(i) + "]."
		if _, ok := f[p+"number"]; !ok {
			break
		}
		in.values.Phones = append(in.values.Phones, customer.Phone{Number: f.Get(p + "number"), Ext: f.Get(p + "ext"), Label: f.Get(p + "label")})
	}
	return in, nil
}

// fields are what the service gets: the rows that hold something, the tags
// split at commas (Chinese ones too).
func (in *contactInput) fields() customer.ContactFields {
	v := in.values
	out := customer.ContactFields{
		DisplayName: v.DisplayName, FamilyName: v.FamilyName, GivenName: v.GivenName,
		Emails: []customer.Email{}, Phones: []customer.Phone{}, Address: v.Address, Birthday: v.Birthday,
		Gender: customer.Gender(v.Gender), LifecycleStage: customer.LifecycleStage(v.LifecycleStage), Tags: splitTags(v.Tags),
	}
	in.emailRows, in.phoneRows = nil, nil
	for i, e := range v.Emails {
		if strings.TrimSpace(e.Address) != "" {
			out.Emails = append(out.Emails, e)
			in.emailRows = append(in.emailRows, i)
		}
	}
	for i, p := range v.Phones {
		if strings.TrimSpace(p.Number) != "" {
			out.Phones = append(out.Phones, p)
			in.phoneRows = append(in.phoneRows, i)
		}
	}
	return out
}

var listIndex = regexp.MustCompile(`^(emails|phones)\[(\d+)\](.*)$`)

// formField turns a field path of the service into the name of the input
// that holds it: the service numbers the rows it got, the form all rows;
// tags[3] is the tags input.
func (in *contactInput) formField(field string) string {
	if strings.HasPrefix(field, "tags[") {
		return "tags"
	}
	m := listIndex.FindStringSubmatch(field)
	if m == nil {
		return field
	}
	rows := in.emailRows
	if m[1] == "phones" {
		rows = in.phoneRows
	}
	i, _ := strconv.Atoi(m[2])
	if i < len(rows) {
		i = rows[i]
	}
	return m[1] + "[" + strconv.Itoa(i) + "]" + m[3]
}

// splitTags reads tags written with commas: "vip, 常客、素食".
func splitTags(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == '\n' })
	out := []string{}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// pathID reads the {id} of the path.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, crm.E("web", crm.KindNotFound, "route_not_found")
	}
	return id, nil
}
