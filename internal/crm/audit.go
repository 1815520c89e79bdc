package crm

import (
	"bytes"
	"encoding/json"
	"errors"
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
	ActionJoin    = "join"    // an anonymous profile joined a contact
	ActionConvert = "convert" // a lead became a contact, company and deal
)

// AuditEntry records who changed what, when. Changes hold each changed field
// from its old to its new value (JSON), so the entry reads without the schema
// of the day.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    *int64    `json:"actor_id" doc:"User who made the change; null for the system"`
	ActorName  string    `json:"actor_name"`
	Action     string    `json:"action" enum:"create,update,delete,restore,merge,purge,join,convert"`
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
//
// It runs on every write (a batch of creates diffs each record against
// nothing), so it splits the encoded objects itself instead of decoding them
// into maps: json.Marshal writes compact JSON, whose values compare as bytes.
func Diff(before, after any) ([]Change, error) {
	var old []member
	if before != nil {
		raw, err := json.Marshal(before)
		if err != nil {
			return nil, err
		}
		if old, err = members(raw); err != nil {
			return nil, err
		}
	}
	raw, err := json.Marshal(after)
	if err != nil {
		return nil, err
	}
	next, err := members(raw)
	if err != nil {
		return nil, err
	}
	oldByKey := make(map[string]json.RawMessage, len(old))
	for _, m := range old {
		oldByKey[m.key] = m.value
	}
	var changes []Change
	for _, m := range next {
		from := oldByKey[m.key]
		// Both encodings are json.Marshal's, which writes equal values
		// alike (compact, map keys sorted): equal values are equal bytes.
		if !bytes.Equal(from, m.value) && !(isEmptyJSON(from) && isEmptyJSON(m.value)) {
			changes = append(changes, Change{Field: m.key, From: emptyToNil(from), To: emptyToNil(m.value)})
		}
		delete(oldByKey, m.key)
	}
	for _, m := range old { // removed keys, in their old order
		if v, gone := oldByKey[m.key]; gone && !isEmptyJSON(v) {
			changes = append(changes, Change{Field: m.key, From: v})
		}
	}
	return changes, nil
}

var errNotObject = errors.New("crm.Diff: not a JSON object")

// member is one key and value of a JSON object.
type member struct {
	key   string
	value json.RawMessage
}

// members splits a JSON object into its members, in order, without decoding
// the values.
func members(obj []byte) ([]member, error) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, errNotObject
	}
	var out []member
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return out, nil
	}
	for {
		end, err := jsonValueEnd(obj, i)
		if err != nil || obj[i] != '"' {
			return nil, errNotObject
		}
		key := string(obj[i+1 : end-1])
		if bytes.IndexByte(obj[i:end], '\\') >= 0 {
			if err := json.Unmarshal(obj[i:end], &key); err != nil {
				return nil, errNotObject
			}
		}
		i = skipSpace(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return nil, errNotObject
		}
		i = skipSpace(obj, i+1)
		end, err = jsonValueEnd(obj, i)
		if err != nil {
			return nil, errNotObject
		}
		out = append(out, member{key: key, value: obj[i:end]})
		i = skipSpace(obj, end)
		if i >= len(obj) {
			return nil, errNotObject
		}
		switch obj[i] {
		case ',':
			i = skipSpace(obj, i+1)
		case '}':
			return out, nil
		default:
			return nil, errNotObject
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonValueEnd returns the index just past the JSON value that starts at i,
// which json.Marshal produced (so it is valid): strings, and objects and
// arrays by their nesting, skipping brackets inside strings.
func jsonValueEnd(b []byte, i int) (int, error) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch c := b[j]; c {
		case '"':
			j++
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(b) {
				return 0, errors.New("unterminated string")
			}
			if depth == 0 {
				return j + 1, nil
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return j, nil
			}
			if depth == 0 {
				return j + 1, nil
			}
		case ',':
			if depth == 0 {
				return j, nil
			}
		case ' ', '\t', '\n', '\r':
			if depth == 0 && j > i {
				return j, nil
			}
		}
	}
	if depth != 0 {
		return 0, errors.New("unterminated value")
	}
	return len(b), nil
}

// isEmptyJSON treats absent, null, "", [] and {} as "no value", so a field
// going from absent to empty is not reported as a change.
func isEmptyJSON(v json.RawMessage) bool {
	if bytes.ContainsAny(v, " \t\r\n") {
		v = compactJSON(v)
	}
	switch string(v) {
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
