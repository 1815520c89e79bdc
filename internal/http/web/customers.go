package web

import (
	"bytes"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/exporter"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// The customers list: search as you type (Chinese substrings included: the
// service searches), filters and a sort kept in the address (so that a view
// can be bookmarked, or saved under a name), a page at a time by keyset
// cursor, and actions on the rows a user ticks.
//
// The address speaks the API's list language (q, filter[field][op]=value,
// sort), so a saved view is also a query of GET /api/v1/contacts.

// customersPageSize is how many customers a page shows.
const customersPageSize = 25

// maxQuery bounds a search, as the API does.
const maxQuery = 200

// maxFilters bounds the filters of a list, as the service does.
const maxFilters = 20

// filterKind is how the filter bar offers and reads a field's values.
type filterKind int

const (
	kindText filterKind = iota
	kindEnum
	kindTag
	kindOwner
	kindDate
	// The kinds of custom fields, as the service compares their values.
	kindCustomText
	kindNumber
	kindMoney   // written as an amount, compared in minor units
	kindDay     // a custom date: one day, or before or after it
	kindBool    // yes or no
	kindChoice  // a select: one of its options
	kindChoices // a multi-select: has one of its options
)

// filterField is a field the filter bar offers.
type filterField struct {
	Name     string
	LabelKey string
	Kind     filterKind
	Enum     []string // kindEnum: the values
	EnumKey  string   // kindEnum: the prefix of the values' labels
	// Custom is a custom field's definition: its label and options are
	// its own, in the languages the admin wrote them in.
	Custom *customer.FieldDef
}

// label names the field in a language.
func (f filterField) label(lang string) string {
	if d := f.Custom; d != nil {
		if l := d.Labels[lang]; l != "" {
			return l
		}
		if d.Label != "" {
			return d.Label
		}
		return d.Key
	}
	return i18n.Message(lang, f.LabelKey, nil)
}

// optionLabel names one of a custom field's options in a language.
func optionLabel(lang string, o customer.Option) string {
	if l := o.Labels[lang]; l != "" {
		return l
	}
	if o.Label != "" {
		return o.Label
	}
	return o.Value
}

// filterFields are the fields of the filter bar, in its order: those a
// shop filters its customers by. Any field the API filters by still works
// in the address; these are the ones offered.
var filterFields = []filterField{
	{Name: "city", LabelKey: "field.city", Kind: kindText},
	{Name: "region", LabelKey: "field.region", Kind: kindText},
	{Name: "country", LabelKey: "field.country", Kind: kindText},
	{Name: "tag", LabelKey: "custlist.field_tag", Kind: kindTag},
	{Name: "owner_id", LabelKey: "field.owner_id", Kind: kindOwner},
	{Name: "lifecycle_stage", LabelKey: "field.lifecycle_stage", Kind: kindEnum, Enum: []string{"lead", "prospect", "customer", "loyal", "lapsed"}, EnumKey: "stage"},
	{Name: "consent.email", LabelKey: "rule_field.consent.email", Kind: kindEnum, Enum: []string{"granted", "denied"}, EnumKey: "consent_state"},
	{Name: "consent.sms", LabelKey: "rule_field.consent.sms", Kind: kindEnum, Enum: []string{"granted", "denied"}, EnumKey: "consent_state"},
	{Name: "consent.phone", LabelKey: "rule_field.consent.phone", Kind: kindEnum, Enum: []string{"granted", "denied"}, EnumKey: "consent_state"},
	{Name: "consent.messaging", LabelKey: "rule_field.consent.messaging", Kind: kindEnum, Enum: []string{"granted", "denied"}, EnumKey: "consent_state"},
	{Name: "gender", LabelKey: "field.gender", Kind: kindEnum, Enum: []string{"female", "male", "other"}, EnumKey: "gender"},
	{Name: "created_at", LabelKey: "custlist.field_created", Kind: kindDate},
	{Name: "updated_at", LabelKey: "custlist.field_updated", Kind: kindDate},
	{Name: "email", LabelKey: "custlist.field_email", Kind: kindText},
	{Name: "phone", LabelKey: "custlist.field_phone", Kind: kindText},
	{Name: "postal_code", LabelKey: "field.postal_code", Kind: kindText},
}

// customFilterField offers a custom field of contacts in the bar, by the
// name the API filters it by (custom.<key>).
func customFilterField(d *customer.FieldDef) filterField {
	f := filterField{Name: "custom." + d.Key, Custom: d}
	switch d.Type {
	case customer.FieldNumber:
		f.Kind = kindNumber
	case customer.FieldMoney:
		f.Kind = kindMoney
	case customer.FieldDate:
		f.Kind = kindDay
	case customer.FieldBoolean:
		f.Kind = kindBool
	case customer.FieldSelect:
		f.Kind = kindChoice
	case customer.FieldMultiSelect:
		f.Kind = kindChoices
	default: // text, and the texts of a kind: url, email, phone
		f.Kind = kindCustomText
	}
	return f
}

// barFields are the fields the bar offers: the built-in ones, then the
// custom fields of contacts as defined now.
func (h *Web) barFields(r *http.Request) ([]filterField, error) {
	defs, err := h.deps.Customers.ListFieldDefs(r.Context(), customer.RecordContact)
	if err != nil {
		return nil, err
	}
	out := slices.Clip(filterFields)
	for i := range defs {
		out = append(out, customFilterField(&defs[i]))
	}
	return out, nil
}

func lookupFilterField(fields []filterField, name string) (filterField, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return filterField{}, false
}

// The operators of the filter bar. "any" and "none" are the API's
// exists=true and exists=false.
var filterOps = []string{"eq", "ne", "in", "prefix", "gt", "gte", "lt", "lte", "any", "none"}

// opKeys are the operators' labels.
var opKeys = map[string]string{
	"eq": "custlist.op_eq", "ne": "custlist.op_ne", "in": "custlist.op_in", "prefix": "custlist.op_prefix",
	"gt": "custlist.op_gt", "gte": "custlist.op_gte", "lt": "custlist.op_lt", "lte": "custlist.op_lte",
	"any": "custlist.op_any", "none": "custlist.op_none",
}

// opsOf are the operators that make sense for a kind of field, the
// default first.
func opsOf(k filterKind) []string {
	switch k {
	case kindText:
		return []string{"eq", "ne", "prefix", "any", "none"}
	case kindDate:
		return []string{"gte", "lt", "any", "none"}
	case kindCustomText:
		return []string{"eq", "prefix", "any", "none"}
	case kindNumber, kindMoney, kindDay:
		return []string{"eq", "gt", "gte", "lt", "lte", "any", "none"}
	case kindBool:
		return []string{"eq", "any", "none"}
	case kindChoice, kindChoices:
		return []string{"eq", "in", "any", "none"}
	}
	return []string{"eq", "ne", "any", "none"}
}

// sortOptions are the sorts the list offers (the API sorts by any sortable
// field; these are the useful ones).
var sortOptions = []struct{ Value, LabelKey string }{
	{"", "custlist.sort_newest"},
	{"id", "custlist.sort_oldest"},
	{"display_name", "custlist.sort_name"},
	{"-display_name", "custlist.sort_name_desc"},
	{"-updated_at", "custlist.sort_updated"},
	{"city", "custlist.sort_city"},
	{"lifecycle_stage", "custlist.sort_stage"},
}

// listState is what the address says of the list: search, filters, sort.
type listState struct {
	Query string
	Conds []customer.Condition
	Sort  string
}

var (
	filterKeyRE = regexp.MustCompile(`^filter\[([a-z][a-z0-9_.]{0,60})\](?:\[([a-z]+)\])?$`)
	apiOps      = []customer.Op{customer.OpEq, customer.OpNe, customer.OpIn, customer.OpGt, customer.OpGte, customer.OpLt, customer.OpLte, customer.OpPrefix, customer.OpExists}
)

// parseListState reads the list's part of an address, as the API reads its
// list parameters.
func parseListState(q url.Values) (listState, error) {
	var v crm.Violations
	s := listState{Query: strings.TrimSpace(q.Get("q")), Sort: strings.TrimSpace(q.Get("sort"))}
	if utf8.RuneCountInString(s.Query) > maxQuery {
		v.Add("q", "too_long", "max", maxQuery)
	}
	if len(s.Sort) > 60 {
		v.Add("sort", "too_long", "max", 60)
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		if strings.HasPrefix(k, "filter[") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		m := filterKeyRE.FindStringSubmatch(k)
		op := customer.Op("")
		if m != nil {
			op = customer.Op(m[2])
			if op == "" {
				op = customer.OpEq
			}
		}
		if m == nil || !slices.Contains(apiOps, op) {
			v.Add(k, "invalid_filter")
			continue
		}
		for _, val := range q[k] {
			values := []string{val}
			if op == customer.OpIn {
				values = strings.Split(val, ",")
			}
			s.Conds = append(s.Conds, customer.Condition{Field: m[1], Op: op, Values: values})
		}
	}
	if len(s.Conds) > maxFilters {
		v.Add("filter", "too_many", "max", maxFilters)
	}
	return s, v.Err("web.customers")
}

// values is the state as the query of an address, in one order whatever
// order it was written in, so that equal views have equal addresses.
func (s listState) values() url.Values {
	v := url.Values{}
	if s.Query != "" {
		v.Set("q", s.Query)
	}
	if s.Sort != "" {
		v.Set("sort", s.Sort)
	}
	for _, c := range s.Conds {
		v.Add("filter["+c.Field+"]["+string(c.Op)+"]", strings.Join(c.Values, ","))
	}
	return v
}

// encode is the state's canonical query string.
func (s listState) encode() string { return s.values().Encode() }

// url is the address of a page of the list.
func (s listState) url(cursor string) string {
	v := s.values()
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return "/customers"
	}
	return "/customers?" + v.Encode()
}

// without is the list without its i-th filter.
func (s listState) without(i int) listState {
	s.Conds = slices.Delete(slices.Clone(s.Conds), i, i+1)
	return s
}

// customersURL is the address of a page of a search (other screens link
// to searches).
func customersURL(query, cursor string) string {
	return listState{Query: query}.url(cursor)
}

type filterChip struct {
	Label     string // "City is 台北"
	RemoveURL string
}

type viewTab struct {
	ID      int64
	Name    string
	URL     string
	Current bool
}

// bulkReport is what an action on the ticked rows did.
type bulkReport struct {
	Updated  int
	Refused  int // records the user may not change
	Failed   int // refused for another reason: Problems says why
	Problems []string
}

type customersPage struct {
	page
	Query    string
	Cursor   string
	Items    []*customer.Contact
	Total    *crm.Total
	NextURL  string
	FirstURL string

	// The filter bar.
	Filters      []filterChip
	Hidden       []hiddenField // the state, for the search box and the forms
	FilterError  []string
	Fields       []optionView
	CustomFields []optionView // the custom fields, a group of their own
	Ops          []optionView
	AddValue     string
	Datalists    []datalistView
	Sorts        []optionView
	Problems     []string // why the list could not be read as asked

	// Saved views.
	Views      []viewTab
	StateQuery string // the state to save as a view
	Filtered   bool   // the list is narrowed or sorted: worth saving
	ViewName   string // the name of a view that was not saved
	ViewError  string // why

	// Bulk actions.
	Back       string // this page, to show again after an action
	CanAssign  bool
	Owners     []optionView
	Report     *bulkReport
	Selectable bool
}

type hiddenField struct{ Name, Value string }

type datalistView struct {
	ID      string
	Options []string
}

func (h *Web) customersPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	st, err := parseListState(q)
	if err != nil {
		return err
	}
	lang := h.lang(r)
	users, err := h.deps.Accounts.ListUsers(r.Context())
	if err != nil {
		return err
	}
	// A filter added in the bar joins those of the address, which then
	// says it alone.
	var addErr string
	if field := q.Get("af"); field != "" && (q.Get("av") != "" || q.Get("ao") == "any" || q.Get("ao") == "none") {
		fields, err := h.barFields(r)
		if err != nil {
			return err
		}
		c, msg := resolveFilter(lang, fields, field, q.Get("ao"), strings.TrimSpace(q.Get("av")), users)
		switch {
		case msg != "":
			addErr = msg
		case len(st.Conds) >= maxFilters:
			addErr = i18n.Message(lang, "too_many", map[string]any{"max": maxFilters})
		default:
			st.Conds = append(st.Conds, c)
			http.Redirect(w, r, st.url(""), http.StatusSeeOther)
			return nil
		}
	}
	if addErr == "" && q.Has("af") {
		// The filter bar's form was sent without a new filter (to sort):
		// the address says the list alone.
		http.Redirect(w, r, st.url(""), http.StatusSeeOther)
		return nil
	}
	data, err := h.customersData(r, st, q.Get("cursor"), users)
	if err != nil {
		return err
	}
	if addErr != "" {
		data.FilterError = append(data.FilterError, addErr)
		data.AddValue = q.Get("av")
		markSelected(data.Fields, q.Get("af"))
		markSelected(data.CustomFields, q.Get("af"))
		markSelected(data.Ops, q.Get("ao"))
	}
	h.renderCustomers(w, r, data)
	return nil
}

func markSelected(opts []optionView, value string) {
	for i := range opts {
		opts[i].Selected = opts[i].Value == value
	}
}

func (h *Web) renderCustomers(w http.ResponseWriter, r *http.Request, data *customersPage) {
	if isFragment(r) && r.Header.Get("HX-Target") == "results" {
		h.render(w, r, http.StatusOK, "customers", "results", data)
		return
	}
	h.render(w, r, http.StatusOK, "customers", "page", data)
}

// customersData reads a page of the list and what its screen offers.
func (h *Web) customersData(r *http.Request, st listState, cursor string, users []*account.User) (*customersPage, error) {
	ctx := r.Context()
	lang := h.lang(r)
	p := principal(ctx)
	data := &customersPage{page: h.page(r, "customers.title"), Query: st.Query, Cursor: cursor}
	data.Nav = "customers"
	fields, err := h.barFields(r)
	if err != nil {
		return nil, err
	}
	page, err := h.deps.Customers.ListContacts(ctx, customer.ListParams{
		Query: st.Query, Conditions: st.Conds, Sort: st.Sort, Cursor: cursor, Limit: customersPageSize,
	})
	switch {
	case crm.IsKind(err, crm.KindInvalid):
		// A filter the list cannot apply (a bookmark from before a field
		// was removed, an address typed by hand): say so beside the bar,
		// where it can be removed.
		ce, _ := crm.AsError(err)
		for _, f := range ce.Fields {
			data.Problems = append(data.Problems, i18n.Message(lang, f.Code, f.Params))
		}
		if len(data.Problems) == 0 {
			data.Problems = append(data.Problems, i18n.Message(lang, ce.Code, ce.Params))
		}
	case err != nil:
		return nil, err
	default:
		data.Items, data.Total = page.Items, page.Total
		if page.Next != "" {
			data.NextURL = st.url(page.Next)
		}
	}
	if cursor != "" {
		data.FirstURL = st.url("")
	}
	data.Back = st.url(cursor)
	data.StateQuery = st.encode()
	data.Filtered = data.StateQuery != ""
	names := make(map[int64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Name
	}
	for i, c := range st.Conds {
		data.Filters = append(data.Filters, filterChip{Label: chipLabel(lang, fields, c, names), RemoveURL: st.without(i).url("")})
	}
	for k, vs := range st.values() {
		if k == "q" || k == "sort" {
			continue // their own inputs
		}
		for _, v := range vs {
			data.Hidden = append(data.Hidden, hiddenField{Name: k, Value: v})
		}
	}
	slices.SortFunc(data.Hidden, func(a, b hiddenField) int { return strings.Compare(a.Name, b.Name) })
	for _, f := range fields {
		opt := optionView{Value: f.Name, Label: f.label(lang)}
		if f.Custom != nil {
			data.CustomFields = append(data.CustomFields, opt)
		} else {
			data.Fields = append(data.Fields, opt)
		}
	}
	for _, op := range filterOps {
		data.Ops = append(data.Ops, optionView{Value: op, Label: i18n.Message(lang, opKeys[op], nil)})
	}
	known := false
	for _, s := range sortOptions {
		data.Sorts = append(data.Sorts, optionView{Value: s.Value, Label: i18n.Message(lang, s.LabelKey, nil), Selected: s.Value == st.Sort})
		known = known || s.Value == st.Sort
	}
	if !known {
		data.Sorts = append(data.Sorts, optionView{Value: st.Sort, Label: st.Sort, Selected: true})
	}
	data.Selectable = len(data.Items) > 0
	data.CanAssign = p.Role == crm.RoleAdmin || p.Role == crm.RoleManager
	if data.CanAssign {
		for _, u := range users {
			if !u.Disabled {
				data.Owners = append(data.Owners, optionView{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
			}
		}
	}
	if !isFragment(r) {
		if err := h.filterLists(r, data, fields, users); err != nil {
			return nil, err
		}
		views, err := h.deps.Customers.SavedViews(ctx, customer.ViewListContacts)
		if err != nil {
			return nil, err
		}
		for _, v := range views {
			data.Views = append(data.Views, viewTab{ID: v.ID, Name: v.Name, URL: listURLOf(v.Query), Current: v.Query == data.StateQuery})
		}
	}
	return data, nil
}

// listURLOf is the address of a saved view.
func listURLOf(query string) string {
	if query == "" {
		return "/customers"
	}
	return "/customers?" + query
}

// filterLists are the suggestions of the filter bar's value box, one list
// per field (the script gives the box the field's list).
func (h *Web) filterLists(r *http.Request, data *customersPage, fields []filterField, users []*account.User) error {
	lang := h.lang(r)
	tags, err := h.deps.Customers.TagNames(r.Context())
	if err != nil {
		return err
	}
	for _, f := range fields {
		var opts []string
		switch f.Kind {
		case kindChoice, kindChoices:
			for _, o := range f.Custom.Options {
				opts = append(opts, optionLabel(lang, o))
			}
		case kindBool:
			opts = append(opts, i18n.Message(lang, "c360.yes", nil), i18n.Message(lang, "c360.no", nil))
		case kindEnum:
			for _, e := range f.Enum {
				opts = append(opts, i18n.Message(lang, f.EnumKey+"."+e, nil))
			}
		case kindTag:
			opts = append(opts, tags...)
		case kindOwner:
			opts = append(opts, i18n.Message(lang, "custlist.me", nil))
			for _, u := range users {
				opts = append(opts, u.Name)
			}
		default:
			continue
		}
		data.Datalists = append(data.Datalists, datalistView{ID: "values-" + strings.ReplaceAll(f.Name, ".", "-"), Options: opts})
	}
	return nil
}

// chipLabel says a filter in words: "City is 台北", "預算 ≥ 1000".
func chipLabel(lang string, fields []filterField, c customer.Condition, users map[int64]string) string {
	f, known := lookupFilterField(fields, c.Field)
	field := c.Field
	if known {
		field = f.label(lang)
	}
	op := string(c.Op)
	value := strings.Join(c.Values, ", ")
	if c.Op == customer.OpExists {
		op, value = "none", ""
		if len(c.Values) == 1 && c.Values[0] == "true" {
			op = "any"
		}
	}
	if known && value != "" {
		var shown []string
		for _, v := range c.Values {
			shown = append(shown, valueLabel(lang, f, v, users))
		}
		value = strings.Join(shown, i18n.Message(lang, "custlist.list_sep", nil))
	}
	key := "custlist.chip_" + op
	// Amounts compare as numbers (≥ rather than "on or after"); a
	// multi-select has its values rather than is one.
	switch f.Kind {
	case kindNumber, kindMoney:
		if k := "custlist.chip_num_" + op; i18n.Has(k) {
			key = k
		}
	case kindChoices:
		if k := "custlist.chip_set_" + op; i18n.Has(k) {
			key = k
		}
	}
	if !i18n.Has(key) {
		key = "custlist.chip_other"
	}
	return i18n.Message(lang, key, map[string]any{"field": field, "value": value, "op": string(c.Op)})
}

// valueLabel shows a filter's value as the user knows it.
func valueLabel(lang string, f filterField, v string, users map[int64]string) string {
	switch f.Kind {
	case kindEnum:
		if key := f.EnumKey + "." + v; i18n.Has(key) {
			return i18n.Message(lang, key, nil)
		}
	case kindOwner:
		if v == "me" {
			return i18n.Message(lang, "custlist.me", nil)
		}
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && users[id] != "" {
			return users[id]
		}
	case kindChoice, kindChoices:
		for _, o := range f.Custom.Options {
			if o.Value == v {
				return optionLabel(lang, o)
			}
		}
	case kindBool:
		switch v {
		case "true":
			return i18n.Message(lang, "c360.yes", nil)
		case "false":
			return i18n.Message(lang, "c360.no", nil)
		}
	case kindMoney:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return formatMoney(lang, n, f.Custom.Currency)
		}
	}
	return v
}

// resolveFilter turns the filter bar's field, operator and value into a
// condition: the value as typed or picked from the suggestions (a stage
// by its name in any language, an owner by name, email or "me", a custom
// field's option by its label, an amount as written). It returns a message
// instead when they do not fit.
func resolveFilter(lang string, fields []filterField, field, op, raw string, users []*account.User) (customer.Condition, string) {
	f, ok := lookupFilterField(fields, field)
	if !ok {
		return customer.Condition{}, i18n.Message(lang, "unknown_field", map[string]any{"field": field})
	}
	if op == "" {
		op = opsOf(f.Kind)[0]
	}
	if !slices.Contains(opsOf(f.Kind), op) {
		opName := op
		if key, ok := opKeys[op]; ok {
			opName = i18n.Message(lang, key, nil)
		}
		return customer.Condition{}, i18n.Message(lang, "custlist.op_not_for_field", map[string]any{"op": opName, "field": f.label(lang)})
	}
	switch op {
	case "any":
		return customer.Condition{Field: f.Name, Op: customer.OpExists, Values: []string{"true"}}, ""
	case "none":
		return customer.Condition{Field: f.Name, Op: customer.OpExists, Values: []string{"false"}}, ""
	}
	if utf8.RuneCountInString(raw) > maxQuery {
		return customer.Condition{}, i18n.Message(lang, "too_long", map[string]any{"max": maxQuery})
	}
	value := raw
	switch f.Kind {
	case kindEnum:
		value = ""
		for _, e := range f.Enum {
			if strings.EqualFold(raw, e) || matchesLabel(f.EnumKey+"."+e, raw) {
				value = e
				break
			}
		}
		if value == "" {
			var names []string
			for _, e := range f.Enum {
				names = append(names, i18n.Message(lang, f.EnumKey+"."+e, nil))
			}
			return customer.Condition{}, notOneOf(lang, f, names)
		}
	case kindOwner:
		value = ""
		switch {
		case raw == "me" || matchesLabel("custlist.me", raw):
			value = "me"
		default:
			for _, u := range users {
				if strings.EqualFold(raw, u.Name) || strings.EqualFold(raw, u.Email) || raw == strconv.FormatInt(u.ID, 10) {
					value = strconv.FormatInt(u.ID, 10)
					break
				}
			}
		}
		if value == "" {
			return customer.Condition{}, i18n.Message(lang, "custlist.no_such_user", map[string]any{"name": raw})
		}
	case kindDate, kindDay:
		if _, err := time.Parse(time.DateOnly, raw); err != nil {
			return customer.Condition{}, i18n.Message(lang, "expected_date", map[string]any{"value": raw})
		}
	case kindNumber:
		n, err := strconv.ParseFloat(strings.ReplaceAll(raw, ",", ""), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return customer.Condition{}, i18n.Message(lang, "expected_number", nil)
		}
		value = strconv.FormatFloat(n, 'f', -1, 64)
	case kindMoney:
		minor, ok := crm.ParseAmount(raw, f.Custom.Currency)
		if !ok {
			return customer.Condition{}, i18n.Message(lang, "custlist.invalid_amount", map[string]any{"currency": f.Custom.Currency})
		}
		value = strconv.FormatInt(minor, 10)
	case kindBool:
		switch {
		case strings.EqualFold(raw, "true") || matchesLabel("c360.yes", raw):
			value = "true"
		case strings.EqualFold(raw, "false") || matchesLabel("c360.no", raw):
			value = "false"
		default:
			return customer.Condition{}, notOneOf(lang, f, []string{i18n.Message(lang, "c360.yes", nil), i18n.Message(lang, "c360.no", nil)})
		}
	case kindChoice, kindChoices:
		// "is one of" takes several, as written in a list in any of the
		// languages.
		parts := []string{raw}
		if op == "in" {
			parts = strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == '，' || r == '、' })
		}
		var values []string
		for _, part := range parts {
			v, ok := optionValue(f.Custom.Options, strings.TrimSpace(part))
			if !ok {
				var names []string
				for _, o := range f.Custom.Options {
					names = append(names, optionLabel(lang, o))
				}
				return customer.Condition{}, notOneOf(lang, f, names)
			}
			if !slices.Contains(values, v) {
				values = append(values, v)
			}
		}
		if len(values) == 0 {
			return customer.Condition{}, i18n.Message(lang, "required", nil)
		}
		return customer.Condition{Field: f.Name, Op: customer.Op(op), Values: values}, ""
	}
	return customer.Condition{Field: f.Name, Op: customer.Op(op), Values: []string{value}}, ""
}

// optionValue finds the option written: its value, or its label in any
// language.
func optionValue(options []customer.Option, written string) (string, bool) {
	for _, o := range options {
		if o.Value == written {
			return o.Value, true
		}
	}
	for _, o := range options {
		if strings.EqualFold(written, o.Value) || strings.EqualFold(written, o.Label) {
			return o.Value, true
		}
		for _, l := range o.Labels {
			if strings.EqualFold(written, l) {
				return o.Value, true
			}
		}
	}
	return "", false
}

// notOneOf says which values a field takes.
func notOneOf(lang string, f filterField, names []string) string {
	return i18n.Message(lang, "custlist.value_not_one_of", map[string]any{
		"field": f.label(lang), "allowed": strings.Join(names, i18n.Message(lang, "custlist.list_sep", nil))})
}

// matchesLabel reports whether s is the label of key in any language.
func matchesLabel(key, s string) bool {
	for _, l := range i18n.Languages {
		if strings.EqualFold(strings.TrimSpace(s), i18n.Message(l, key, nil)) {
			return true
		}
	}
	return false
}

// Saved views.

func (h *Web) saveCustomersView(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, 16<<10); err != nil {
		return err
	}
	name, query := r.PostForm.Get("name"), r.PostForm.Get("query")
	v, err := h.deps.Customers.CreateSavedView(r.Context(), customer.SavedViewFields{
		List: customer.ViewListContacts, Name: name, Query: query,
	})
	if crm.IsKind(err, crm.KindConflict) || crm.IsKind(err, crm.KindInvalid) {
		// A name already taken, or too long: said beside the name, on the
		// list the user was saving.
		return h.viewNotSaved(w, r, name, query, err)
	}
	if err != nil {
		return err
	}
	seeOther(w, r, listURLOf(v.Query))
	return nil
}

// viewNotSaved shows the list of a view that could not be saved, with why
// beside its name.
func (h *Web) viewNotSaved(w http.ResponseWriter, r *http.Request, name, query string, cause error) error {
	q, err := url.ParseQuery(query)
	if err != nil {
		return cause
	}
	st, err := parseListState(q)
	if err != nil {
		return cause
	}
	users, err := h.deps.Accounts.ListUsers(r.Context())
	if err != nil {
		return err
	}
	data, err := h.customersData(r, st, "", users)
	if err != nil {
		return err
	}
	prob := httpx.ProblemFor(r.Context(), cause)
	lang := h.lang(r)
	data.ViewName, data.ViewError = name, i18n.Message(lang, prob.Code, prob.Params)
	for _, f := range prob.Errors {
		data.ViewError = i18n.Message(lang, f.Code, f.Params)
	}
	h.render(w, r, prob.Status, "customers", "page", data)
	return nil
}

func (h *Web) deleteCustomersView(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return crm.NotFound("web.deleteView", "saved_view", r.PathValue("id"))
	}
	if err := h.deps.Customers.DeleteSavedView(r.Context(), id); err != nil {
		return err
	}
	seeOther(w, r, "/customers")
	return nil
}

// Bulk actions.

// selectedIDs reads the ticked rows ("id"), or every row of the page
// ("page") when "all" is ticked: without a script, "select all" is a box
// the server reads.
func selectedIDs(form url.Values) ([]int64, error) {
	raw := form["id"]
	if form.Get("all") != "" {
		raw = append(slices.Clone(raw), form["page"]...)
	}
	var ids []int64
	for _, s := range raw {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, crm.E("web.bulk", crm.KindMalformed, "malformed_request").With("detail", "id "+s)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	var v crm.Violations
	switch {
	case len(ids) == 0:
		v.Add("id", "custlist.none_selected")
	case len(ids) > exporter.MaxSelection:
		v.Add("id", "too_many", "max", exporter.MaxSelection)
	}
	return ids, v.Err("web.bulk")
}

// backTo is the list page an action came from, to show again.
func backTo(form url.Values) (listState, string) {
	back := localPath(form.Get("back"))
	u, err := url.Parse(back)
	if back == "" || err != nil || u.Path != "/customers" {
		return listState{}, ""
	}
	st, err := parseListState(u.Query())
	if err != nil {
		return listState{}, ""
	}
	return st, u.Query().Get("cursor")
}

// bulkCustomers applies one change to every ticked customer, each through
// the same service call as editing it alone, so each is checked on its
// own: those the user may not change are counted, not changed.
func (h *Web) bulkCustomers(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	ctx := r.Context()
	lang := h.lang(r)
	ids, err := selectedIDs(r.PostForm)
	if err != nil {
		return err
	}
	var apply func(*customer.ContactFields) error
	var v crm.Violations
	switch r.PostForm.Get("action") {
	case "tag":
		tag := strings.TrimSpace(r.PostForm.Get("tag"))
		if tag == "" {
			v.Add("tag", "required")
		}
		apply = func(f *customer.ContactFields) error { f.Tags = append(f.Tags, tag); return nil }
	case "owner":
		owner, err := strconv.ParseInt(r.PostForm.Get("owner"), 10, 64)
		if err != nil || owner <= 0 {
			v.Add("owner", "required")
		}
		apply = func(f *customer.ContactFields) error { f.OwnerID = &owner; return nil }
	default:
		v.Add("action", "not_one_of", "allowed", "tag, owner")
	}
	if err := v.Err("web.bulk"); err != nil {
		return err
	}
	report := &bulkReport{}
	for _, id := range ids {
		_, err := h.deps.Customers.UpdateContact(ctx, id, 0, apply, customer.WriteOptions{Source: "ui"})
		switch {
		case err == nil:
			report.Updated++
		case crm.IsKind(err, crm.KindForbidden) || crm.IsKind(err, crm.KindNotFound):
			report.Refused++
		case crm.IsKind(err, crm.KindInternal) || crm.IsKind(err, crm.KindUnavailable):
			return err
		default:
			report.Failed++
			prob := httpx.ProblemFor(ctx, err)
			msg := i18n.Message(lang, prob.Code, prob.Params)
			for _, f := range prob.Errors {
				msg = i18n.Message(lang, f.Code, f.Params)
			}
			if !slices.Contains(report.Problems, msg) {
				report.Problems = append(report.Problems, msg)
			}
		}
	}
	st, cursor := backTo(r.PostForm)
	users, err := h.deps.Accounts.ListUsers(ctx)
	if err != nil {
		return err
	}
	data, err := h.customersData(r, st, cursor, users)
	if err != nil {
		return err
	}
	data.Report = report
	data.Path = data.Back // the language switch comes back to the list
	// The list is shown again with the report, rather than redirected to,
	// so that the report needs no session; sending the form again would
	// change nothing more.
	h.renderCustomers(w, r, data)
	return nil
}

// exportCustomers sends the ticked customers as CSV, as the full export
// writes them.
func (h *Web) exportCustomers(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	ids, err := selectedIDs(r.PostForm)
	if err != nil {
		return err
	}
	x := &exporter.Exporter{Customers: h.deps.Customers, Commerce: h.deps.Commerce, Touchpoints: h.deps.Touchpoints}
	var b bytes.Buffer
	if err := x.ContactsCSV(r.Context(), &b, ids); err != nil {
		return err
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/csv; charset=utf-8")
	hdr.Set("Content-Disposition", `attachment; filename="customers-`+time.Now().UTC().Format("20060102")+`.csv"`)
	_, _ = w.Write(b.Bytes())
	return nil
}
