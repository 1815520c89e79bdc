package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// The account and admin screens hold several small forms on one page (a
// user's password and tokens; a team's name and members; a pipeline's
// stages). A refused form comes back as written, with the service's reasons
// beside its own inputs, while the page's other forms stay blank.

func init() {
	// These pages join the list in web.go here, so that the screens can be
	// added without editing the shared list.
	pageFiles = append(pageFiles, "account", "admin")
}

// formState is one form of a page: what was written, and what the service
// said about it.
type formState struct {
	lang   string
	id     string // prefix of the ids of its inputs
	values url.Values
	errors map[string]string // by input name
	// Problems are the reasons that belong to no input of the form.
	Problems []string
}

func newFormState(lang, id string, values url.Values) *formState {
	return &formState{lang: lang, id: id, values: values, errors: map[string]string{}}
}

// Val is what was written in an input.
func (f *formState) Val(name string) string { return f.values.Get(name) }

// Checked reports whether a checkbox was ticked.
func (f *formState) Checked(name string) bool { return f.values.Get(name) != "" }

// Err is what is wrong with an input.
func (f *formState) Err(name string) string { return f.errors[name] }

// ID is the element id of an input of the form.
func (f *formState) ID(name string) string {
	return f.id + "-" + strings.TrimPrefix(inputID(name), "f-")
}

// Input is a labelled input of the form, with what was written and what
// is wrong with it.
func (f *formState) Input(name, labelKey, typ, autocomplete string) inputView {
	return inputView{ID: f.ID(name), Name: name, Label: i18n.Message(f.lang, labelKey, nil), Value: f.Val(name),
		Type: typ, Autocomplete: autocomplete, Error: f.errors[name]}
}

// Labelled is Input with a label already in words ("Stage 2 name").
func (f *formState) Labelled(name, label, typ string) inputView {
	v := f.Input(name, "", typ, "off")
	v.Label = label
	return v
}

// Hinted is Input with a hint below the label.
func (f *formState) Hinted(name, labelKey, hintKey, typ, autocomplete string) inputView {
	v := f.Input(name, labelKey, typ, autocomplete)
	v.Hint = i18n.Message(f.lang, hintKey, nil)
	return v
}

// Secret is a password input: what was written is never sent back.
func (f *formState) Secret(name, labelKey, autocomplete string) inputView {
	v := f.Input(name, labelKey, "password", autocomplete)
	v.Value = ""
	return v
}

// Choice is a select of the form; each option's label is the message of
// prefix.value.
func (f *formState) Choice(name, labelKey string, options []string, prefix string) selectView {
	v := selectView{ID: f.ID(name), Name: name, Label: i18n.Message(f.lang, labelKey, nil), Error: f.errors[name]}
	for _, o := range options {
		v.Options = append(v.Options, optionView{Value: o, Label: i18n.Message(f.lang, prefix+"."+o, nil), Selected: o == f.Val(name)})
	}
	return v
}

// fail records a reason: beside its input when the form has one of that
// name, else above the form.
func (f *formState) fail(input string, inputs map[string]bool, msg string) {
	if inputs[input] {
		if _, taken := f.errors[input]; !taken {
			f.errors[input] = msg
		}
		return
	}
	if input != "" {
		msg = fieldLabel(f.lang, input) + ": " + msg
	}
	f.Problems = append(f.Problems, msg)
}

// refusal takes in a service's refusal of a form: invalid fields, a
// duplicate, a stale version, or a rule of the service (a conflict). It
// reports the status to answer, or false for errors that are the error
// page's (forbidden, not found, internal). inputs are the form's input
// names; rename maps a service field (exactly, or with its indexes as [])
// to the input that shows it ("" for above the form), and a code without a
// field (a duplicate) to its input.
func refusal(r *http.Request, f *formState, err error, inputs map[string]bool, rename map[string]string) (int, bool) {
	ce, ok := crm.AsError(err)
	if !ok {
		return 0, false
	}
	switch ce.Kind {
	case crm.KindInvalid, crm.KindConflict, crm.KindStale, crm.KindMalformed:
	default:
		return 0, false
	}
	for _, fe := range ce.Fields {
		name := fe.Field
		if to, ok := rename[name]; ok {
			name = to
		} else if to, ok := rename[baseInput(name)]; ok {
			name = to
		}
		f.fail(name, inputs, i18n.Message(f.lang, fe.Code, fe.Params))
	}
	if len(ce.Fields) == 0 {
		f.fail(rename[ce.Code], inputs, i18n.Message(f.lang, ce.Code, ce.Params))
	}
	return httpx.ProblemFor(r.Context(), err).Status, true
}

// inputSet makes the set of a form's input names.
func inputSet(names ...string) map[string]bool {
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out
}

// doneMessage is the message of a ?done= after a successful post, when it
// is one the screen knows.
func doneMessage(lang, prefix, done string, params map[string]any) string {
	if done == "" || strings.ContainsAny(done, ". ") {
		return ""
	}
	key := prefix + done
	if !i18n.Has(key) {
		return ""
	}
	return i18n.Message(lang, key, params)
}

// joinList joins names as a list is written in the language.
func joinList(lang string, items []string) string {
	return strings.Join(items, i18n.Message(lang, "admin.list_separator", nil))
}
