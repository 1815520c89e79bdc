package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// The segment form: name, description and the rule, in the visual builder
// or as text. The builder is rebuilt by the server: adding or removing a
// condition, choosing another field (which changes the tests and the value
// control) or switching between builder and text posts the form to
// /segments/builder, which htmx swaps in (and a browser without JavaScript
// shows as the whole page). Any change also asks /segments/preview for the
// rule's size and first members, after a short pause.

// previewMembers is how many members the preview lists.
const previewMembers = 10

type segmentForm struct {
	page
	ID          int64
	Version     int64
	Name        string
	Description string
	Mode        string
	Match       string
	Text        string
	Rows        []rowView
	// Errors are messages by input name (name, description, text);
	// FormErrors those of no input.
	Errors     map[string]string
	FormErrors []string
	// Note says why the rule is shown as text.
	Note    string
	Preview *previewView
	// FocusAdd puts the focus on the "add a condition" button (after a
	// row was removed).
	FocusAdd   bool
	FocusText  bool
	EventTypes []optionView
}

// Action is where the form goes to be saved.
func (f *segmentForm) Action() string {
	if f.ID != 0 {
		return "/segments/" + strconv.FormatInt(f.ID, 10)
	}
	return "/segments"
}

// CancelURL is where Cancel leads.
func (f *segmentForm) CancelURL() string {
	if f.ID != 0 {
		return "/segments/" + strconv.FormatInt(f.ID, 10)
	}
	return "/segments"
}

// Input is a text input of the form.
func (f *segmentForm) Input(name, label, value string) inputView {
	return inputView{ID: inputID(name), Name: name, Label: label, Value: value, Type: "text", Autocomplete: "off", Error: f.Errors[name]}
}

// MatchOptions are the choices of a group's "all of" / "any of".
func (f *segmentForm) MatchOptions(value string) []optionView {
	return []optionView{
		{Value: "all", Label: i18n.Message(f.Lang, "segment_form.match_all", nil), Selected: value != "any"},
		{Value: "any", Label: i18n.Message(f.Lang, "segment_form.match_any", nil), Selected: value == "any"},
	}
}

// rowView is a row of the builder, ready to show.
type rowView struct {
	Prefix string // of its inputs: c1, c1.0
	ID     string // of its element
	Number string // "2", "2.1"
	Group  bool
	Match  string
	Rows   []rowView
	Chosen bool // a field is chosen: its test and value show
	Field  fieldSelect
	Op     selectView
	Value  valueView
	Quals  []qualView
	// FocusAdd puts the focus on the group's "add a condition" button.
	FocusAdd bool
}

type fieldSelect struct {
	ID, Name, Label, Error string
	Autofocus              bool
	Groups                 []optionGroup
}

type optionGroup struct {
	Label   string
	Options []optionView
}

// valueView is the control of a condition's value: none (is set), an
// input, a select, or checkboxes (one of several values of a list).
type valueView struct {
	Control           string // none, input, select, checks
	ID, Name, Label   string
	Value, Type, Mode string // an input's value, type and inputmode
	Hint, Error       string
	Options           []optionView
	ListID            string // a datalist of suggestions
}

// DescribedBy lists the ids of the hint and the error.
func (v valueView) DescribedBy() string {
	var ids []string
	if v.Hint != "" {
		ids = append(ids, v.ID+"-hint")
	}
	if v.Error != "" {
		ids = append(ids, v.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// qualView is a qualifier of a counting field: an input or a select.
type qualView = valueView

// views makes the rows of the builder ready to show, with the errors by
// input name.
func (f *segmentForm) views(st ruleState, rf *ruleFields, errs map[string]string, focus string) {
	lang := f.Lang
	cond := func(prefix, number string, c condValues) rowView {
		v := rowView{Prefix: prefix, ID: "row-" + strings.ReplaceAll(prefix, ".", "-"), Number: number, Chosen: c.Field != ""}
		field, known := rf.get(c.Field)
		v.Field = fieldSelect{ID: inputID(prefix + ".field"), Name: prefix + ".field", Error: errs[prefix+".field"],
			Label: i18n.Message(lang, "segment_form.field", nil), Autofocus: focus == prefix}
		v.Field.Groups = fieldOptions(lang, rf, c.Field)
		v.Op = selectView{ID: inputID(prefix + ".op"), Name: prefix + ".op", Error: errs[prefix+".op"],
			Label: i18n.Message(lang, "segment_form.op", nil)}
		ops := allOps
		if known {
			ops = field.Ops
		}
		for _, op := range ops {
			v.Op.Options = append(v.Op.Options, optionView{Value: op, Label: opLabel(lang, field, op), Selected: op == c.Op})
		}
		if c.Op != "" && !slices.Contains(ops, c.Op) {
			// As sent (the service says why it does not apply).
			v.Op.Options = append(v.Op.Options, optionView{Value: c.Op, Label: opLabel(lang, field, c.Op), Selected: true})
		}
		v.Value = valueControl(lang, prefix, field, known, c, errs)
		if known {
			for _, q := range field.Qualifiers {
				v.Quals = append(v.Quals, qualifierControl(lang, prefix, q, c, errs))
			}
		}
		return v
	}
	f.Rows = nil
	for i, row := range st.Rows {
		prefix, number := rowPrefix(i), strconv.Itoa(i+1)
		if !row.Group {
			f.Rows = append(f.Rows, cond(prefix, number, row.Cond))
			continue
		}
		g := rowView{Prefix: prefix, ID: "row-" + prefix, Number: number, Group: true, Match: row.Match, FocusAdd: focus == "add:"+prefix}
		for j, k := range row.Rows {
			g.Rows = append(g.Rows, cond(nestedPrefix(i, j), number+"."+strconv.Itoa(j+1), k.Cond))
		}
		f.Rows = append(f.Rows, g)
	}
	f.FocusAdd = focus == "add"
	f.FocusText = focus == "text"
}

// fieldOptions are the choices of the field select, in groups; a field the
// builder does not know (from a rule written elsewhere) is kept as it is.
func fieldOptions(lang string, rf *ruleFields, chosen string) []optionGroup {
	groups := []optionGroup{{Options: []optionView{{Value: "", Label: i18n.Message(lang, "segment_form.choose_field", nil), Selected: chosen == ""}}}}
	for _, g := range fieldGroups {
		og := optionGroup{Label: keyed(lang, "rule_group.", g)}
		for _, f := range rf.list {
			if f.Group == g {
				og.Options = append(og.Options, optionView{Value: f.Name, Label: f.label(lang), Selected: f.Name == chosen})
			}
		}
		if len(og.Options) > 0 {
			groups = append(groups, og)
		}
	}
	if _, ok := rf.get(chosen); !ok && chosen != "" {
		groups[0].Options = append(groups[0].Options, optionView{Value: chosen, Label: chosen, Selected: true})
	}
	return groups
}

// valueControl is the control of a condition's value for its field and
// test.
func valueControl(lang, prefix string, f ruleField, known bool, c condValues, errs map[string]string) valueView {
	name := prefix + ".value"
	v := valueView{ID: inputID(name), Name: name, Label: i18n.Message(lang, "segment_form.value", nil), Error: errs[name], Control: "input", Type: "text"}
	if f.Hint != "" {
		v.Hint = i18n.Message(lang, f.Hint, nil)
	}
	values := c.Values
	switch {
	case c.Field == "" || noValue(c.Op):
		v.Control = "none"
		return v
	case known && f.Kind == valEnum && listOp(c.Op):
		v.Control, v.Label = "checks", i18n.Message(lang, "segment_form.values", nil)
		for _, e := range f.Enum {
			v.Options = append(v.Options, optionView{Value: e, Label: f.enumLabel(lang, e), Selected: slices.Contains(values, e)})
		}
		return v
	case known && (f.Kind == valEnum || f.Kind == valBool):
		v.Control = "select"
		choices := f.Enum
		if f.Kind == valBool {
			choices = []string{"true", "false"}
		}
		current := ""
		if len(values) > 0 {
			current = values[0]
		}
		for _, e := range choices {
			label := f.enumLabel(lang, e)
			if f.Kind == valBool {
				label = keyed(lang, "segment_form.bool_", e)
			}
			v.Options = append(v.Options, optionView{Value: e, Label: label, Selected: e == current})
		}
		if current != "" && !slices.Contains(choices, current) {
			v.Options = append(v.Options, optionView{Value: current, Label: current, Selected: true})
		}
		return v
	}
	v.Value = strings.Join(values, ", ")
	if listOp(c.Op) {
		v.Label = i18n.Message(lang, "segment_form.values", nil)
		v.Hint = i18n.Message(lang, "segment_form.hint_list", nil)
		return v
	}
	switch f.Kind {
	case valInt:
		if !strings.HasSuffix(f.Name, "owner_id") {
			v.Mode = "numeric"
		}
	case valNumber, valMoney:
		v.Mode = "decimal"
	case valDate, valTime:
		v.Type = "date"
	}
	return v
}

// qualifierControl is the input of a qualifier of a counting field.
func qualifierControl(lang, prefix, q string, c condValues, errs map[string]string) valueView {
	name := prefix + "." + q
	v := valueView{Control: "input", Type: "text", ID: inputID(name), Name: name, Error: errs[name],
		Label: keyed(lang, "qualifier.", q)}
	switch q {
	case "type":
		v.Value, v.ListID = c.Type, "event-types"
	case "channel":
		v.Control = "select"
		v.Options = []optionView{{Value: "", Label: i18n.Message(lang, "segment_form.any_channel", nil), Selected: c.Channel == ""}}
		for _, ch := range channelNames() {
			v.Options = append(v.Options, optionView{Value: ch, Label: keyed(lang, "channel.", ch), Selected: ch == c.Channel})
		}
		if c.Channel != "" && !slices.Contains(channelNames(), c.Channel) {
			v.Options = append(v.Options, optionView{Value: c.Channel, Label: c.Channel, Selected: true})
		}
	case "sku":
		v.Value = c.SKU
	case "category":
		v.Value = c.Category
	case "within_days":
		v.Value, v.Mode, v.Hint = c.WithinDays, "numeric", i18n.Message(lang, "segment_form.hint_within_days", nil)
	}
	return v
}

// previewView is what the live preview shows.
type previewView struct {
	Size    int64
	Members []*customer.Contact
	More    bool
	Text    string // the rule as text
	Errors  []string
	Local   bool   // the errors are the builder's own, before asking
	Waiting string // the conditions left out until they have a value
}

// canManageSegments says whether the user may create and change segments,
// as the service decides.
func canManageSegments(p *crm.Principal) bool {
	return p != nil && p.CanWrite() && (p.Role == crm.RoleAdmin || p.Role == crm.RoleManager)
}

func (h *Web) ruleFields(r *http.Request) (*ruleFields, error) {
	contact, err := h.deps.Customers.ListFieldDefs(r.Context(), customer.RecordContact)
	if err != nil {
		return nil, err
	}
	company, err := h.deps.Customers.ListFieldDefs(r.Context(), customer.RecordCompany)
	if err != nil {
		return nil, err
	}
	return newRuleFields(contact, company), nil
}

func (h *Web) newSegmentPage(w http.ResponseWriter, r *http.Request) error {
	if !canManageSegments(principal(r.Context())) {
		return crm.E("web.newSegment", crm.KindForbidden, "segments_managers_only")
	}
	rf, err := h.ruleFields(r)
	if err != nil {
		return err
	}
	st := ruleState{Mode: "builder", Match: "all", Rows: []ruleRow{{}}}
	data := h.segmentFormData(r, "segment_form.new_title", 0, 0)
	// A link may fill the form in (the insight screens and the dashboard
	// lead here with the rule behind a figure): ?rule=…&name=….
	q := r.URL.Query()
	if text := strings.TrimSpace(q.Get("rule")); text != "" && len(text) <= 10000 {
		st = ruleState{Mode: "text", Match: "all", Text: text}
		if rule, err := segment.Parse(text); err == nil {
			if built, ok := stateOf(rule, rf); ok {
				st = built
			}
		}
	}
	if name := strings.TrimSpace(q.Get("name")); utf8.RuneCountInString(name) <= 200 {
		data.Name = name
	}
	return h.showSegmentForm(w, r, http.StatusOK, data, st, rf, "", false)
}

func (h *Web) editSegmentPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if !canManageSegments(principal(r.Context())) {
		return crm.E("web.editSegment", crm.KindForbidden, "segments_managers_only")
	}
	seg, err := h.deps.Segments.Get(r.Context(), id)
	if err != nil {
		return err
	}
	rf, err := h.ruleFields(r)
	if err != nil {
		return err
	}
	data := h.segmentFormData(r, "segment_form.edit_title", seg.ID, seg.Version)
	data.Name, data.Description = seg.Name, seg.Description
	st, ok := stateOf(seg.Rule, rf)
	if !ok {
		st = ruleState{Mode: "text", Match: "all", Text: seg.Text}
		data.Note = i18n.Message(data.Lang, "segment_form.too_complex", nil)
	}
	return h.showSegmentForm(w, r, http.StatusOK, data, st, rf, "", false)
}

func (h *Web) segmentFormData(r *http.Request, titleKey string, id, version int64) *segmentForm {
	data := &segmentForm{page: h.page(r, titleKey), ID: id, Version: version, Errors: map[string]string{}}
	data.Nav = "segments"
	for _, t := range eventTypes() {
		data.EventTypes = append(data.EventTypes, optionView{Value: t, Label: keyed(data.Lang, "event_type.", t)})
	}
	return data
}

// showSegmentForm renders the form with its preview: the whole page, or
// for htmx the builder with the preview beside it.
func (h *Web) showSegmentForm(w http.ResponseWriter, r *http.Request, status int, data *segmentForm, st ruleState, rf *ruleFields, focus string, fragment bool) error {
	errs := data.Errors
	b := st.build(rf)
	for name, fe := range b.Errors {
		if _, taken := errs[name]; !taken {
			errs[name] = i18n.Message(data.Lang, fe.Code, fe.Params)
		}
	}
	data.Mode, data.Match, data.Text = st.Mode, st.Match, st.Text
	data.views(st, rf, errs, focus)
	if data.Preview == nil {
		p, err := h.preview(r, st, b, rf)
		if err != nil {
			return err
		}
		data.Preview = p
	}
	if fragment {
		h.render(w, r, status, "segment_form", "builder-fragment", data)
		return nil
	}
	h.render(w, r, status, "segment_form", "page", data)
	return nil
}

// preview asks the service what the rule selects. A rule it refuses is a
// preview with the reasons, not an error.
func (h *Web) preview(r *http.Request, st ruleState, b built, rf *ruleFields) (*previewView, error) {
	lang := h.lang(r)
	// A condition still without its value is left out of the preview, and
	// said to be: saving it is refused, but while one is writing it the
	// preview shows the rest.
	var waiting []string
	if st.Mode == "builder" {
		st, waiting = st.withoutUnfinished()
		b = st.build(rf)
	}
	out, err := h.previewRule(r, lang, st, b, rf)
	if out != nil && len(waiting) > 0 {
		out.Waiting = i18n.Message(lang, "segment_form.waiting", map[string]any{"conditions": strings.Join(waiting, ", ")})
	}
	return out, err
}

func (h *Web) previewRule(r *http.Request, lang string, st ruleState, b built, rf *ruleFields) (*previewView, error) {
	in, local := ruleInput(st, b)
	if local {
		out := &previewView{Local: true}
		for _, name := range sortedKeysOf(b.Errors) {
			fe := b.Errors[name]
			out.Errors = append(out.Errors, inputName(lang, name)+": "+i18n.Message(lang, fe.Code, fe.Params))
		}
		return out, nil
	}
	p, err := h.deps.Segments.Preview(r.Context(), in, previewMembers)
	if ce, ok := crm.AsError(err); ok && ce.Kind == crm.KindInvalid {
		out := &previewView{}
		probs := placeErrors(lang, ce.Fields, st, b, rf)
		out.Errors = append(out.Errors, probs.Top...)
		for _, name := range sortedKeysOf(probs.Inputs) {
			out.Errors = append(out.Errors, inputName(lang, name)+": "+probs.Inputs[name])
		}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return &previewView{Size: p.Size, Members: p.Members.Items, More: p.Members.Next != "", Text: p.Text}, nil
}

// ruleInput is the rule of the form for the service; local says that the
// builder found it wrong already.
func ruleInput(st ruleState, b built) (segment.Input, bool) {
	if st.Mode == "text" {
		return segment.Input{Text: st.Text}, false
	}
	r := b.Rule
	return segment.Input{Rule: &r}, len(b.Errors) > 0
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// inputName names an input of the form for a message away from it:
// "Condition 2, value".
func inputName(lang, name string) string {
	switch name {
	case "text":
		return i18n.Message(lang, "segment_form.text", nil)
	case "name":
		return i18n.Message(lang, "segment_form.name", nil)
	case "description":
		return i18n.Message(lang, "segment_form.description", nil)
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return name
	}
	prefix, part := name[:dot], name[dot+1:]
	number := strings.TrimPrefix(prefix, "c")
	if i, j, nested := strings.Cut(number, "."); nested {
		a, _ := strconv.Atoi(i)
		b, _ := strconv.Atoi(j)
		number = strconv.Itoa(a+1) + "." + strconv.Itoa(b+1)
	} else {
		a, _ := strconv.Atoi(number)
		number = strconv.Itoa(a + 1)
	}
	what := keyed(lang, "segment_form.", part)
	if part != "field" && part != "op" && part != "value" {
		what = keyed(lang, "qualifier.", part)
	}
	return i18n.Message(lang, "segment_form.condition_n", map[string]any{"n": number}) + " · " + what
}

// readSegmentForm reads the form's name, description, version and rule.
func readSegmentForm(w http.ResponseWriter, r *http.Request) (ruleState, error) {
	if err := parseForm(w, r, 512<<10); err != nil {
		return ruleState{}, err
	}
	return readRuleState(r.PostForm), nil
}

func (h *Web) createSegment(w http.ResponseWriter, r *http.Request) error {
	st, err := readSegmentForm(w, r)
	if err != nil {
		return err
	}
	return h.saveSegment(w, r, 0, st)
}

func (h *Web) updateSegment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	st, err := readSegmentForm(w, r)
	if err != nil {
		return err
	}
	return h.saveSegment(w, r, id, st)
}

// saveSegment creates (id 0) or updates a segment; a refused one comes
// back with the reasons beside the inputs they are about.
func (h *Web) saveSegment(w http.ResponseWriter, r *http.Request, id int64, st ruleState) error {
	if !canManageSegments(principal(r.Context())) {
		return crm.E("web.saveSegment", crm.KindForbidden, "segments_managers_only")
	}
	rf, err := h.ruleFields(r)
	if err != nil {
		return err
	}
	// Saved as sent: a test the field does not take is the service's to
	// refuse, not the form's to change quietly.
	version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	title := "segment_form.new_title"
	if id != 0 {
		title = "segment_form.edit_title"
	}
	data := h.segmentFormData(r, title, id, version)
	data.Name, data.Description = r.PostForm.Get("name"), r.PostForm.Get("description")
	b := st.build(rf)
	in, local := ruleInput(st, b)
	if local {
		return h.showSegmentForm(w, r, http.StatusUnprocessableEntity, data, st, rf, "", false)
	}
	in.Name, in.Description = data.Name, data.Description
	var seg *segment.Segment
	if id == 0 {
		seg, err = h.deps.Segments.Create(r.Context(), in)
	} else {
		seg, err = h.deps.Segments.Update(r.Context(), id, version, in)
	}
	if err == nil {
		seeOther(w, r, "/segments/"+strconv.FormatInt(seg.ID, 10))
		return nil
	}
	ce, ok := crm.AsError(err)
	if !ok || (ce.Kind != crm.KindInvalid && ce.Kind != crm.KindStale && ce.Kind != crm.KindConflict) {
		return err
	}
	lang := data.Lang
	probs := placeErrors(lang, ce.Fields, st, b, rf)
	for name, msg := range probs.Inputs {
		data.Errors[name] = msg
	}
	data.FormErrors = probs.Top
	if len(ce.Fields) == 0 {
		data.FormErrors = append(data.FormErrors, i18n.Message(lang, ce.Code, ce.Params))
	}
	status := http.StatusUnprocessableEntity
	switch ce.Kind {
	case crm.KindStale:
		status = http.StatusPreconditionFailed
		if v, ok := ce.Params["current_version"]; ok {
			data.Version = toInt64(v) // saving again overwrites, knowingly
		}
	case crm.KindConflict:
		status = http.StatusConflict
	}
	return h.showSegmentForm(w, r, status, data, st, rf, "", false)
}

// segmentBuilder answers the builder's buttons: add or remove a condition
// or a group, switch between builder and text, or show the tests and value
// control of a newly chosen field.
func (h *Web) segmentBuilder(w http.ResponseWriter, r *http.Request) error {
	if !canManageSegments(principal(r.Context())) {
		return crm.E("web.segmentBuilder", crm.KindForbidden, "segments_managers_only")
	}
	st, err := readSegmentForm(w, r)
	if err != nil {
		return err
	}
	rf, err := h.ruleFields(r)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	title := "segment_form.new_title"
	if id != 0 {
		title = "segment_form.edit_title"
	}
	data := h.segmentFormData(r, title, id, version)
	data.Name, data.Description = r.PostForm.Get("name"), r.PostForm.Get("description")
	focus := h.applyAction(data, &st, r.PostForm.Get("action"), rf)
	st.fit(rf)
	return h.showSegmentForm(w, r, http.StatusOK, data, st, rf, focus, isFragment(r))
}

// applyAction changes the builder as a button asks, and returns what
// should have the focus afterwards: a row's prefix (its field), "add", a
// group's "add:c1", or "text".
func (h *Web) applyAction(data *segmentForm, st *ruleState, action string, rf *ruleFields) string {
	verb, target, _ := strings.Cut(action, ":")
	row := -1
	if i, err := strconv.Atoi(strings.TrimPrefix(strings.SplitN(target, ".", 2)[0], "c")); err == nil && strings.HasPrefix(target, "c") && i < len(st.Rows) {
		row = i
	}
	switch verb {
	case "add":
		if row >= 0 && st.Rows[row].Group {
			st.Rows[row].Rows = append(st.Rows[row].Rows, ruleRow{})
			return nestedPrefix(row, len(st.Rows[row].Rows)-1)
		}
		if len(st.Rows) < maxRuleRows {
			st.Rows = append(st.Rows, ruleRow{})
		}
		return rowPrefix(len(st.Rows) - 1)
	case "add_group":
		if len(st.Rows) < maxRuleRows {
			st.Rows = append(st.Rows, ruleRow{Group: true, Match: otherMatch(st.Match), Rows: []ruleRow{{}}})
		}
		return nestedPrefix(len(st.Rows)-1, 0)
	case "remove":
		if row < 0 {
			return "add"
		}
		_, sub, nested := strings.Cut(target, ".")
		if j, err := strconv.Atoi(sub); nested && err == nil && st.Rows[row].Group && j < len(st.Rows[row].Rows) {
			st.Rows[row].Rows = slices.Delete(st.Rows[row].Rows, j, j+1)
			return "add:" + rowPrefix(row)
		}
		st.Rows = slices.Delete(st.Rows, row, row+1)
		return "add"
	case "mode":
		if target == "text" && st.Mode != "text" {
			st.Text = segment.Format(st.build(rf).Rule)
			st.Mode = "text"
			return "text"
		}
		if target == "builder" && st.Mode == "text" {
			if strings.TrimSpace(st.Text) == "" {
				*st = ruleState{Mode: "builder", Match: "all", Rows: []ruleRow{{}}}
				return rowPrefix(0)
			}
			parsed, err := segment.Parse(st.Text)
			if err != nil {
				msg := err.Error()
				params := map[string]any{"message": msg}
				if se, ok := err.(*segment.SyntaxError); ok {
					params = map[string]any{"message": se.Msg, "offset": se.Offset}
				}
				data.Errors["text"] = i18n.Message(data.Lang, "rule_syntax", params)
				return "text"
			}
			next, ok := stateOf(parsed, rf)
			if !ok {
				data.Note = i18n.Message(data.Lang, "segment_form.too_complex", nil)
				return "text"
			}
			if len(next.Rows) == 0 {
				next.Rows = []ruleRow{{}}
			}
			*st = next
			return rowPrefix(0)
		}
	}
	return ""
}

// previewSegment answers the live preview: the rule's size and first
// members, or what is wrong with it.
func (h *Web) previewSegment(w http.ResponseWriter, r *http.Request) error {
	if !isFragment(r) {
		return h.segmentBuilder(w, r)
	}
	if !canManageSegments(principal(r.Context())) {
		return crm.E("web.previewSegment", crm.KindForbidden, "segments_managers_only")
	}
	st, err := readSegmentForm(w, r)
	if err != nil {
		return err
	}
	rf, err := h.ruleFields(r)
	if err != nil {
		return err
	}
	st.fit(rf)
	p, err := h.preview(r, st, st.build(rf), rf)
	if err != nil {
		return err
	}
	data := &segmentForm{page: h.page(r, ""), Preview: p}
	h.render(w, r, http.StatusOK, "segment_form", "preview", data)
	return nil
}
