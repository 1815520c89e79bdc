package web

import (
	"strings"

	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// Views of form controls, for the "input" and "select" templates: each has
// its label, its value and its error, so that every control is labelled
// and says what is wrong with it.

type inputView struct {
	ID, Name, Label, Value, Type string
	Autocomplete                 string
	Hint, Error                  string
}

// DescribedBy lists the ids of the hint and the error.
func (v inputView) DescribedBy() string {
	var ids []string
	if v.Hint != "" {
		ids = append(ids, v.ID+"-hint")
	}
	if v.Error != "" {
		ids = append(ids, v.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// WithHint adds a hint shown under the label.
func (v inputView) WithHint(hint string) inputView {
	v.Hint = hint
	return v
}

type selectView struct {
	ID, Name, Label, Error string
	Options                []optionView
}

type optionView struct {
	Value, Label string
	Selected     bool
}

// inputID makes an element id of an input name: emails[0].address →
// f-emails-0-address.
func inputID(name string) string {
	r := strings.NewReplacer("[", "-", "]", "", ".", "-")
	return "f-" + r.Replace(name)
}

// form gives a page the controls of a form with errors by input name.
type form struct {
	lang   string
	errors map[string]string
}

// Input is a text input.
func (f form) Input(name, label, value, typ, autocomplete string) inputView {
	return inputView{ID: inputID(name), Name: name, Label: label, Value: value, Type: typ,
		Autocomplete: autocomplete, Error: f.errors[name]}
}

// Select is a select of values, each labelled with the message of
// prefix.value ("" is "none").
func (f form) Select(name, label, value string, options []string, prefix string) selectView {
	v := selectView{ID: inputID(name), Name: name, Label: label, Error: f.errors[name]}
	for _, o := range options {
		text := i18n.Message(f.lang, "form.none", nil)
		if o != "" {
			text = o
			if key := prefix + "." + o; i18n.Has(key) {
				text = i18n.Message(f.lang, key, nil)
			}
		}
		v.Options = append(v.Options, optionView{Value: o, Label: text, Selected: o == value})
	}
	return v
}
