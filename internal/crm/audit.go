package crm

import (
	"encoding/json"
	"time"
)

// Audit actions.
const (
	ActionCreate  = "create"
	ActionUpdate  = "update"
	ActionDelete  = "delete"
	ActionRestore = "restore"
	ActionMerge   = "merge"
	ActionPurge   = "purge"
)

// AuditEntry records who changed what, when. Changes hold each changed field
// from its old to its new value (JSON), so the entry reads without the schema
// of the day.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    *int64    `json:"actor_id" doc:"User who made the change; null for the system"`
	ActorName  string    `json:"actor_name"`
	Action     string    `json:"action" enum:"create,update,delete,restore,merge,purge"`
	RecordType string    `json:"record_type"`
	RecordID   int64     `json:"record_id"`
	Changes    []Change  `json:"changes" nullable:"false"`
	RequestID  string    `json:"request_id,omitempty"`
}

// Change is one field's old and new value. A null From means the field was
// empty before; a null To means it was cleared.
type Change struct {
	Field string          `json:"field"`
	From  json.RawMessage `json:"from,omitempty"`
	To    json.RawMessage `json:"to,omitempty"`
}

// NewAuditEntry fills the actor and request of an entry from the context.
func NewAuditEntry(p *Principal, requestID string, at time.Time, action, recordType string, recordID int64, changes []Change) AuditEntry {
	if changes == nil {
		changes = []Change{}
	}
	return AuditEntry{
		At:         at,
		ActorID:    p.ActorID(),
		ActorName:  p.Name,
		Action:     action,
		RecordType: recordType,
		RecordID:   recordID,
		Changes:    changes,
		RequestID:  requestID,
	}
}

// Diff compares two values field by field through their JSON form (the keys of
// two JSON objects) and returns a change for each key whose value differs.
// Keys come out in the order of the newer object's fields, then removed ones.
func Diff(before, after any) ([]Change, error) {
	var b, a map[string]json.RawMessage
	if before != nil {
		raw, err := json.Marshal(before)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, err
		}
	}
	rawAfter, err := json.Marshal(after)
	if err != nil {
		return nil, err
	}
	keys, err := orderedKeys(rawAfter)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(rawAfter, &a); err != nil {
		return nil, err
	}
	var changes []Change
	for _, k := range keys {
		if !sameJSON(b[k], a[k]) {
			changes = append(changes, Change{Field: k, From: emptyToNil(b[k]), To: emptyToNil(a[k])})
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok && !isEmptyJSON(v) {
			changes = append(changes, Change{Field: k, From: v})
		}
	}
	return changes, nil
}

func orderedKeys(obj []byte) ([]string, error) {
	dec := json.NewDecoder(bytesReader(obj))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func sameJSON(x, y json.RawMessage) bool {
	if isEmptyJSON(x) && isEmptyJSON(y) {
		return true
	}
	return string(compactJSON(x)) == string(compactJSON(y))
}

// isEmptyJSON treats absent, null, "", [] and {} as "no value", so a field
// going from absent to empty is not reported as a change.
func isEmptyJSON(v json.RawMessage) bool {
	switch string(compactJSON(v)) {
	case "", "null", `""`, "[]", "{}":
		return true
	}
	return false
}

func emptyToNil(v json.RawMessage) json.RawMessage {
	if isEmptyJSON(v) {
		return nil
	}
	return v
}

// JSON encodes a value for a Change. Values in changes are plain data (strings,
// numbers, structs of them), which always encode.
func JSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("crm.JSON: " + err.Error())
	}
	return b
}
