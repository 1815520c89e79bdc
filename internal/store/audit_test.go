package store

import (
	"encoding/json"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// appendChanges writes what json.Marshal reads back as the same changes.
func TestAppendChanges(t *testing.T) {
	for _, changes := range [][]crm.Change{
		nil,
		{},
		{{Field: "display_name", From: crm.JSON("王小李"), To: crm.JSON(`Ann "the" <Lee>`)}},
		{{Field: "positions[12].title", To: crm.JSON("CEO")}, {Field: "odd\"field\\\n", From: crm.JSON(map[string]any{"a": []int{1}})}},
	} {
		got := appendChanges(nil, changes)
		var back []crm.Change
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		if changes == nil {
			changes = []crm.Change{} // stored as [], as before
		}
		want, _ := json.Marshal(changes)
		var wantBack []crm.Change
		_ = json.Unmarshal(want, &wantBack)
		if string(crm.JSON(back)) != string(crm.JSON(wantBack)) {
			t.Errorf("appendChanges = %s; json.Marshal = %s", got, want)
		}
	}
}
