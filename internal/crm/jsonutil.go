package crm

import (
	"bytes"
	"encoding/json"
)

func compactJSON(v json.RawMessage) []byte {
	if len(v) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return v
	}
	return buf.Bytes()
}
