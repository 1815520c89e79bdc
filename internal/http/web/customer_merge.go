package web

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// The merge screen: two records of one person side by side. Where both
// hold a different value the user picks the one that survives; emails,
// phones, tags and positions of both are kept, and per channel the most
// recent consent (the customer service's merge rules). Without a second
// record it finds one: by number, by a search, or among the likely
// duplicates the service suggests.
//
// The service's merge keeps the survivor's values and fills its gaps from
// the other record, so a pick of the other's value is saved right after the
// merge as an edit of the survivor. The merge itself is one transaction;
// when the edit after it fails (someone saved the record in between), the
// survivor keeps its own values and the page says so.

// mergeSearchShown is how many search results the picker lists.
const mergeSearchShown = 10

type mergePage struct {
	page
	A *customer.Contact // survives
	B *customer.Contact // is merged into A
	// The picker, while B is not chosen.
	Query     string
	Found     []*customer.Contact
	Suggested []customer.Duplicate
	Searched  bool
	Rows      []mergeRow
	Kept      []mergeRow // emails, phones, tags: both records' are kept
	Errors    []string
}

// mergeRow is a field of the two records.
type mergeRow struct {
	Field  string // display_name, address, custom.tier …
	Label  string
	A, B   string // the values as shown
	Choice bool   // both hold a different value: the user picks
	PickB  bool
}

// mergeField reads and writes one field the user may pick.
type mergeField struct {
	name string
	get  func(*customer.ContactFields) any
	put  func(*customer.ContactFields, any)
}

// text is a mergeField of a string-like field.
func text[T ~string](name string, field func(*customer.ContactFields) *T) mergeField {
	return mergeField{name,
		func(f *customer.ContactFields) any { return *field(f) },
		func(f *customer.ContactFields, v any) { *field(f), _ = v.(T) }}
}

var mergeFields = []mergeField{
	text("display_name", func(f *customer.ContactFields) *string { return &f.DisplayName }),
	text("family_name", func(f *customer.ContactFields) *string { return &f.FamilyName }),
	text("given_name", func(f *customer.ContactFields) *string { return &f.GivenName }),
	{"address", func(f *customer.ContactFields) any { return f.Address },
		func(f *customer.ContactFields, v any) { f.Address, _ = v.(customer.Address) }},
	text("birthday", func(f *customer.ContactFields) *string { return &f.Birthday }),
	text("gender", func(f *customer.ContactFields) *customer.Gender { return &f.Gender }),
	text("lifecycle_stage", func(f *customer.ContactFields) *customer.LifecycleStage { return &f.LifecycleStage }),
	text("preferred_language", func(f *customer.ContactFields) *string { return &f.PreferredLanguage }),
}

// empty reports whether a field holds nothing.
func empty(v any) bool { return v == nil || reflect.ValueOf(v).IsZero() }

func (h *Web) mergePage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	with := strings.TrimSpace(r.URL.Query().Get("with"))
	data, err := h.mergeData(r, id, with)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "customer_merge", "page", data)
	return nil
}

// mergeData reads the survivor and, when with names a record (its number,
// or a link's ?with=), the other one; else it searches for with.
func (h *Web) mergeData(r *http.Request, id int64, with string) (*mergePage, error) {
	ctx := r.Context()
	a, err := h.mergeable(r, id)
	if err != nil {
		return nil, err
	}
	lang := h.lang(r)
	data := &mergePage{page: h.page(r, "c360.merge_title"), A: a}
	data.Nav = "customers"
	otherID, numErr := strconv.ParseInt(strings.TrimPrefix(with, "#"), 10, 64)
	switch {
	case with == "":
	case numErr == nil && otherID == id:
		data.Errors = append(data.Errors, i18n.Message(lang, "merge_with_self", nil))
	case numErr == nil && otherID > 0:
		if data.B, err = h.mergeable(r, otherID); err != nil {
			return nil, err
		}
		data.rows(lang, h.customDefs(r))
		return data, nil
	default:
		if utf8.RuneCountInString(with) > maxQuery {
			var v crm.Violations
			v.Add("with", "too_long", "max", maxQuery)
			return nil, v.Err("web.merge")
		}
		data.Query, data.Searched = with, true
		page, err := h.deps.Customers.ListContacts(ctx, customer.ListParams{Query: with, Limit: mergeSearchShown + 1})
		if err != nil {
			return nil, err
		}
		for _, c := range page.Items {
			if c.ID != id && len(data.Found) < mergeSearchShown {
				data.Found = append(data.Found, c)
			}
		}
	}
	if data.Suggested, err = h.deps.Customers.Duplicates(ctx, id); err != nil {
		return nil, err
	}
	return data, nil
}

// mergeable reads a contact the user may merge: one they may change. The
// service decides again when merging; this only keeps the screen from
// offering what it would refuse.
func (h *Web) mergeable(r *http.Request, id int64) (*customer.Contact, error) {
	c, err := h.deps.Customers.GetContact(r.Context(), id)
	if err != nil {
		return nil, err
	}
	p := principal(r.Context())
	if c.Restricted || !p.WritesRecord(c.OwnerID, c.TeamID) {
		return nil, crm.Forbidden("web.merge").With("contact_id", id)
	}
	if c.DeletedAt != nil {
		return nil, crm.E("web.merge", crm.KindNotFound, "route_not_found")
	}
	return c, nil
}

// customDefs are the contact custom fields, for their labels; a failure
// only costs the labels.
func (h *Web) customDefs(r *http.Request) []customer.FieldDef {
	defs, err := h.deps.Customers.ListFieldDefs(r.Context(), customer.RecordContact)
	if err != nil {
		return nil
	}
	return defs
}

// rows lays the two records side by side.
func (p *mergePage) rows(lang string, defs []customer.FieldDef) {
	a, b := &p.A.ContactFields, &p.B.ContactFields
	choices := mergeChoices(a, b)
	for _, f := range mergeFields {
		va, vb := f.get(a), f.get(b)
		if empty(va) && empty(vb) {
			continue
		}
		p.Rows = append(p.Rows, mergeRow{Field: f.name, Label: fieldLabel(lang, f.name),
			A: showMergeValue(lang, f.name, va), B: showMergeValue(lang, f.name, vb),
			Choice: slices.Contains(choices, f.name)})
	}
	var keys []string
	for k := range a.Custom {
		keys = append(keys, k)
	}
	for k := range b.Custom {
		if _, ok := a.Custom[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		va, vb := a.Custom[k], b.Custom[k]
		label, show := k, func(v any) string { return shortValue(v) }
		for _, d := range defs {
			if d.Key == k {
				label = d.Label
				if l := d.Labels[lang]; l != "" {
					label = l
				}
				show = func(v any) string { return customText(lang, d, v) }
			}
		}
		row := mergeRow{Field: "custom." + k, Label: label, Choice: slices.Contains(choices, "custom."+k)}
		if !empty(va) {
			row.A = show(va)
		}
		if !empty(vb) {
			row.B = show(vb)
		}
		p.Rows = append(p.Rows, row)
	}
	join := func(list []string) string { return strings.Join(list, "\n") }
	var ea, eb, pa, pb []string
	for _, e := range a.Emails {
		ea = append(ea, e.Address)
	}
	for _, e := range b.Emails {
		eb = append(eb, e.Address)
	}
	for _, ph := range a.Phones {
		pa = append(pa, ph.Number)
	}
	for _, ph := range b.Phones {
		pb = append(pb, ph.Number)
	}
	for _, k := range []mergeRow{
		{Field: "emails", A: join(ea), B: join(eb)},
		{Field: "phones", A: join(pa), B: join(pb)},
		{Field: "tags", A: strings.Join(a.Tags, ", "), B: strings.Join(b.Tags, ", ")},
	} {
		if k.A != "" || k.B != "" {
			k.Label = fieldLabel(lang, k.Field)
			p.Kept = append(p.Kept, k)
		}
	}
}

// showMergeValue writes a field's value for the screen.
func showMergeValue(lang, field string, v any) string {
	if empty(v) {
		return ""
	}
	switch x := v.(type) {
	case customer.Address:
		return formatAddress(lang, x)
	case customer.Gender:
		return messageOr(lang, "gender."+string(x), string(x))
	case customer.LifecycleStage:
		return messageOr(lang, "stage."+string(x), string(x))
	case string:
		if field == "preferred_language" {
			return messageOr(lang, "c360.language."+x, x)
		}
		return x
	}
	return fmt.Sprint(v)
}

// messageOr is the message of key, or else when there is none.
func messageOr(lang, key, fallback string) string {
	if i18n.Has(key) {
		return i18n.Message(lang, key, nil)
	}
	return fallback
}

// mergeCustomers merges the chosen record into this one, keeping the values
// picked from it, in one transaction.
func (h *Web) mergeCustomers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	other, err := strconv.ParseInt(f.Get("with"), 10, 64)
	if err != nil || other <= 0 {
		var v crm.Violations
		v.Add("with", "required")
		return v.Err("web.merge")
	}
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	// Both may be merged by this user: else the readable refusal.
	for _, c := range []int64{id, other} {
		if _, err := h.mergeable(r, c); err != nil {
			return err
		}
	}
	// The picks apply to the records as the merge's transaction reads them.
	_, err = h.deps.Customers.MergeContactsChoosing(ctx, id, other, version,
		func(next *customer.ContactFields, survivor, merged customer.ContactFields) error {
			for _, name := range mergeChoices(&survivor, &merged) {
				from := &survivor
				if f.Get("pick."+name) == "b" {
					from = &merged
				}
				setFieldValue(next, name, fieldValue(from, name))
			}
			return nil
		})
	if err != nil {
		if ce, ok := crm.AsError(err); ok && (ce.Kind == crm.KindStale || ce.Kind == crm.KindInvalid || ce.Kind == crm.KindConflict) {
			return h.mergeFailed(w, r, id, other, err)
		}
		return err
	}
	seeOther(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?merged="+strconv.FormatInt(other, 10))
	return nil
}

// mergeChoices are the fields where both records hold a different value:
// the user picks which survives. Only these are read from the form, so a
// form cannot empty a field the merge fills.
func mergeChoices(a, b *customer.ContactFields) []string {
	var out []string
	differ := func(va, vb any) bool { return !empty(va) && !empty(vb) && !reflect.DeepEqual(va, vb) }
	for _, mf := range mergeFields {
		if mf.name == "display_name" && derivedName(a) && derivedName(b) {
			continue // it follows the names picked
		}
		if differ(mf.get(a), mf.get(b)) {
			out = append(out, mf.name)
		}
	}
	var keys []string
	for k := range a.Custom {
		if differ(a.Custom[k], b.Custom[k]) {
			keys = append(keys, "custom."+k)
		}
	}
	slices.Sort(keys)
	return append(out, keys...)
}

// derivedName reports whether a display name was made from the names, and
// so follows them (the customer service keeps it so).
func derivedName(f *customer.ContactFields) bool {
	return f.DisplayName == customer.DeriveDisplayName(f.FamilyName, f.GivenName)
}

// fieldValue reads a field by its name on the merge screen.
func fieldValue(cf *customer.ContactFields, name string) any {
	if k, ok := strings.CutPrefix(name, "custom."); ok {
		return cf.Custom[k]
	}
	for _, mf := range mergeFields {
		if mf.name == name {
			return mf.get(cf)
		}
	}
	return nil
}

// setFieldValue writes a value fieldValue read.
func setFieldValue(cf *customer.ContactFields, name string, v any) {
	if k, ok := strings.CutPrefix(name, "custom."); ok {
		if cf.Custom == nil {
			cf.Custom = map[string]any{}
		}
		cf.Custom[k] = v
		return
	}
	for _, mf := range mergeFields {
		if mf.name == name {
			mf.put(cf, v)
		}
	}
}

// mergeFailed shows the screen again with the service's reasons: someone
// changed the survivor meanwhile (the screen now shows its new values), or
// the records cannot be merged.
func (h *Web) mergeFailed(w http.ResponseWriter, r *http.Request, id, other int64, mergeErr error) error {
	data, err := h.mergeData(r, id, strconv.FormatInt(other, 10))
	if err != nil {
		return err
	}
	prob := httpx.ProblemFor(r.Context(), mergeErr)
	lang := h.lang(r)
	data.Errors = append(data.Errors, i18n.Message(lang, prob.Code, prob.Params))
	for _, fe := range prob.Errors {
		data.Errors = append(data.Errors, i18n.Message(lang, fe.Code, fe.Params))
	}
	h.render(w, r, prob.Status, "customer_merge", "page", data)
	return nil
}
