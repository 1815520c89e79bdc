package api

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// textViolations walks the decoded input of a request (its parameters and
// body) and reports each string that is not text (crm.ValidText) under the
// name the client sent it by. JSON turns invalid UTF-8 into U+FFFD but lets
// \u0000 through, and query parameters may hold any bytes.
func textViolations(in any) *crm.Violations {
	var v crm.Violations
	walkText(&v, reflect.ValueOf(in), "")
	return &v
}

func walkText(v *crm.Violations, x reflect.Value, path string) {
	switch x.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !x.IsNil() {
			walkText(v, x.Elem(), path)
		}
	case reflect.String:
		if !crm.ValidText(x.String()) {
			v.Add(path, crm.CodeInvalidText)
		}
	case reflect.Slice, reflect.Array:
		if x.Type().Elem().Kind() == reflect.Uint8 {
			return // raw bytes, not text
		}
		for i := range x.Len() {
			walkText(v, x.Index(i), path+"["+strconv.Itoa(i)+"]")
		}
	case reflect.Map:
		iter := x.MapRange()
		for iter.Next() {
			key := iter.Key()
			name := path + "." + key.String()
			if key.Kind() == reflect.String && !crm.ValidText(key.String()) {
				v.Add(path, crm.CodeInvalidText)
				continue
			}
			walkText(v, iter.Value(), strings.TrimPrefix(name, "."))
		}
	case reflect.Struct:
		t := x.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			walkText(v, x.Field(i), joinPath(path, fieldName(f)))
		}
	}
}

// fieldName is how a client names a field of a request: its parameter or
// JSON name; "" for the body and for embedded structs, whose fields stand
// for themselves.
func fieldName(f reflect.StructField) string {
	for _, tag := range []string{"query", "path", "header", "json"} {
		if name, ok := f.Tag.Lookup(tag); ok {
			name, _, _ = strings.Cut(name, ",")
			if name != "" && name != "-" {
				return name
			}
		}
	}
	if f.Anonymous || f.Name == "Body" {
		return ""
	}
	return f.Name
}

func joinPath(path, name string) string {
	switch {
	case name == "":
		return path
	case path == "":
		return name
	}
	return path + "." + name
}
