package crm

import (
	"encoding/json"
	"reflect"
	"testing"
)

type diffRecord struct {
	Name   string            `json:"name"`
	Tags   []string          `json:"tags"`
	Custom map[string]any    `json:"custom"`
	Owner  *int64            `json:"owner"`
	Labels map[string]string `json:"labels,omitempty"`
	Note   string            `json:"note,omitempty"`
}

func TestDiff(t *testing.T) {
	seven := int64(7)
	tests := []struct {
		name          string
		before, after any
		want          []Change
	}{
		{"nothing to something", nil, diffRecord{Name: "王小李", Tags: []string{"vip"}},
			[]Change{{Field: "name", To: json.RawMessage(`"王小李"`)}, {Field: "tags", To: json.RawMessage(`["vip"]`)}}},
		{"no change", diffRecord{Name: "a", Tags: []string{}}, diffRecord{Name: "a"}, nil},
		{"changed and cleared", diffRecord{Name: "a", Owner: &seven}, diffRecord{Name: "b"},
			[]Change{{Field: "name", From: json.RawMessage(`"a"`), To: json.RawMessage(`"b"`)}, {Field: "owner", From: json.RawMessage(`7`)}}},
		{"nested values with brackets and quotes in strings",
			diffRecord{Custom: map[string]any{"k": `a}"]`}}, diffRecord{Custom: map[string]any{"k": `a}"]`, "n": 1.5}},
			[]Change{{Field: "custom", From: json.RawMessage(`{"k":"a}\"]"}`), To: json.RawMessage(`{"k":"a}\"]","n":1.5}`)}}},
		{"removed key (omitempty)", diffRecord{Note: "x<y"}, diffRecord{},
			[]Change{{Field: "note", From: json.RawMessage(`"x\u003cy"`)}}},
		{"maps of the same content", map[string]any{"b": 1, "a": []int{}}, map[string]any{"a": nil, "b": 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Diff(tt.before, tt.after)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff =\n%s\nwant\n%s", JSON(got), JSON(tt.want))
			}
		})
	}
}

func TestDiffRefusesNonObjects(t *testing.T) {
	for _, v := range []any{[]int{1}, "text", 3} {
		if _, err := Diff(nil, v); err == nil {
			t.Errorf("Diff(nil, %v): no error", v)
		}
	}
}

// FuzzDiff checks the object splitter against encoding/json: for any JSON
// object, members finds the keys and values a full decode finds.
func FuzzDiff(f *testing.F) {
	for _, seed := range []string{`{}`, `{"a":1,"b":[1,{"c":"]"}],"d":"\\\""}`, `{"x":{"y":{}}, "z" : null}`, `{"a":"}"}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var want map[string]json.RawMessage
		if json.Unmarshal([]byte(raw), &want) != nil || want == nil {
			return
		}
		var generic map[string]any
		if json.Unmarshal([]byte(raw), &generic) != nil {
			return
		}
		encoded, err := json.Marshal(generic) // compact, as Diff's input always is
		if err != nil {
			return
		}
		ms, err := members(encoded)
		if err != nil {
			t.Fatalf("members(%s): %v", encoded, err)
		}
		var again map[string]json.RawMessage
		if err := json.Unmarshal(encoded, &again); err != nil {
			t.Fatal(err)
		}
		if len(ms) != len(again) {
			t.Fatalf("members(%s) found %d, json %d", encoded, len(ms), len(again))
		}
		for _, m := range ms {
			if string(again[m.key]) != string(m.value) {
				t.Fatalf("members(%s)[%q] = %s, json %s", encoded, m.key, m.value, again[m.key])
			}
		}
	})
}
