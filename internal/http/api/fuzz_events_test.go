package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/testenv"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// eventBatchAnswer is the 200 answer of POST /events/batch.
type eventBatchAnswer struct {
	Stored     *int `json:"stored"`
	Duplicates *int `json:"duplicates"`
	Failed     *int `json:"failed"`
	Results    []struct {
		Line      int              `json:"line"`
		Status    int              `json:"status"`
		ID        int64            `json:"id"`
		ContactID *int64           `json:"contact_id"`
		Duplicate bool             `json:"duplicate"`
		Error     *json.RawMessage `json:"error"`
	} `json:"results"`
}

// ndjsonLines numbers the lines of a body as an NDJSON reader splits them
// (at "\n"; a last line needs no newline) and returns the numbers of those
// that are not blank, and the length of the longest.
func ndjsonLines(body string) (nonBlank []int, longest int) {
	lines := strings.Split(body, "\n")
	if strings.HasSuffix(body, "\n") {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		longest = max(longest, len(l))
		if len(bytes.TrimSpace([]byte(l))) > 0 {
			nonBlank = append(nonBlank, i+1)
		}
	}
	return nonBlank, longest
}

func countEvents(tb testing.TB, s *testenv.Server) int64 {
	tb.Helper()
	var n int64
	if err := s.Store.DB().QueryRowContext(context.Background(), "SELECT count(*) FROM events").Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// maxLine is the longest line the endpoint reads (its scanner's buffer),
// and maxBatchBody its largest body ("at most 10,000 lines and 16 MB").
const (
	maxLine      = touchpoint.MaxPropertiesBytes + 64<<10
	maxBatchBody = 16 << 20
)

func FuzzEventBatch(f *testing.F) {
	valid := func(i int) string {
		return fmt.Sprintf(`{"type":"page_view","channel":"web","occurred_at":"2026-03-01T10:%02d:00Z","client_event_id":"fz-%d","customer":{"anonymous_id":"cookie-%d"},"properties":{"url":"/p/%d"}}`, i%60, i, i%7, i)
	}
	many := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(valid(i))
			b.WriteByte('\n')
		}
		return b.String()
	}
	for _, seed := range []string{
		valid(1) + "\n",
		valid(2) + "\n" + valid(3),
		"\n\n" + valid(4) + "\n\n\n" + valid(5) + "\n\n",
		"   \n\t\t\n" + valid(6) + "\r\n \r\n\u00a0\n\u0085\n" + valid(6) + "\n   ",
		"   \n\t\n\r\n",
		"",
		"\n",
		valid(7) + "\nnot json\n[]\nnull\n{}\n\"x\"\n" + `{"type":"identify","customer":{"anonymous_id":"cookie-1","email":"fuzz@example.com"}}` + "\n",
		`{"type":"call","channel":"phone","customer":{"email":"a@b.co","name":"王小明"},"properties":{"note":"` + strings.Repeat("想訂茶", 2000) + `"}}`,
		`{"type":"call","customer":{"email":"a@b.co"},"properties":{"x":"` + strings.Repeat("a", touchpoint.MaxPropertiesBytes) + `"}}`,
		`{"type":"call","customer":{"email":"a@b.co"},"properties":{"x":"` + strings.Repeat("a", maxLine) + `"}}`,
		"{\"type\":\"note\",\"customer\":{\"anonymous_id\":\"a\x00b\"}}\n\x00\n",
		`{"type":"note","customer":{"anonymous_id":"a\u0000b"}}` + "\n" + `{"type":"note","customer":{"anonymous_id":"a"},"properties":{"k":"\u0000"}}`,
		`{"type":"note","customer":{"anonymous_id":"a"},"properties":{"\u0000":1}}`,
		"{\"type\":\"page_view\",\"customer\":{\"anonymous_id\":\"\xff\xfe\"}}\n{\"type\":\"page_view\",\"customer\":{\"anonymous_id\":\"x\"},\"properties\":{\"k\":\"\xc3\x28\"}}\n\xe7\x8e",
		`{"type":"note","customer":{"anonymous_id":"a"},"properties":{"k":"\ud83d\ude00 \u00e9"}}`,
		`{"type":"note","customer":{"contact_id":-1}}` + "\n" + `{"type":"note","customer":{"contact_id":99999999999}}`,
		`{"type":"note","customer":{"anonymous_id":"a"},"occurred_at":"9999-12-31T23:59:59Z"}` + "\n" + `{"type":"note","customer":{"anonymous_id":"a"},"occurred_at":"0001-01-01T00:00:00Z"}`,
		`{"type":"note","customer":{"phone":"+886 912 345 678","external_id":"E-1"},"source":"pos"}` + "\n" + `{"type":"note","customer":{"external_id":"E-1"},"source":"pos"}`,
		`{"type":"note","customer":{"anonymous_id":"a"},"extra":1}`,
		many(touchpoint.MaxBatch + 1),
	} {
		f.Add(seed)
	}
	// The servers log to a quiet test log: testenv sends their warnings to
	// the test's log, and a fuzz target may not log through f (testing
	// panics). The logs stay in each server's Logs, shown on a failure.
	var all []*testenv.Server
	for _, engine := range testenv.AvailableEngines(f) {
		all = append(all, testenv.StartServer(quietTB{f}, engine))
	}
	f.Fuzz(func(t *testing.T, body string) {
		nonBlank, longest := ndjsonLines(body)
		for _, s := range all {
			before := countEvents(t, s)
			rec := serve(t, s, http.MethodPost, "/api/v1/events/batch", body, "Content-Type", "application/x-ndjson")
			what := fmt.Sprintf("%s: %.200q", s.Store.Dialect(), body)
			if rec.Code >= 500 {
				t.Fatalf("%s: %d %s\nserver log:\n%s", what, rec.Code, rec.Body, lastLines(s.Logs.String(), 3))
			}
			checkAnswer(t, rec, what)
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: %d answered with non-JSON %.200q", what, rec.Code, rec.Body)
			}
			after := countEvents(t, s)
			switch {
			case len(nonBlank) > touchpoint.MaxBatch || longest > maxLine:
				if rec.Code != http.StatusRequestEntityTooLarge {
					t.Fatalf("%s: %d non-blank lines, longest %d bytes: answered %d; want 413", what, len(nonBlank), longest, rec.Code)
				}
			case len(nonBlank) == 0:
				// an empty body is refused before it is read (400)
				if rec.Code != http.StatusUnprocessableEntity && (body != "" || rec.Code != http.StatusBadRequest) {
					t.Fatalf("%s: no events answered %d; want 422", what, rec.Code)
				}
			case len(body) <= maxBatchBody && longest < maxLine:
				// up to 10,000 lines of up to maxLine bytes are read
				if rec.Code == http.StatusRequestEntityTooLarge {
					t.Fatalf("%s: %d lines, longest %d bytes, answered 413: %.300s", what, len(nonBlank), longest, rec.Body)
				}
			}
			if rec.Code != http.StatusOK {
				if after != before {
					t.Fatalf("%s: %d but %d events were stored", what, rec.Code, after-before)
				}
				continue
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Fatalf("%s: 200 answered as %q", what, ct)
			}
			var ans eventBatchAnswer
			if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
				t.Fatalf("%s: answer %.300s: %v", what, rec.Body, err)
			}
			if ans.Stored == nil || ans.Duplicates == nil || ans.Failed == nil || ans.Results == nil {
				t.Fatalf("%s: answer lacks counts or results: %.300s", what, rec.Body)
			}
			if len(ans.Results) != len(nonBlank) {
				t.Fatalf("%s: %d results for %d non-blank lines", what, len(ans.Results), len(nonBlank))
			}
			if *ans.Stored+*ans.Duplicates+*ans.Failed != len(ans.Results) {
				t.Fatalf("%s: stored %d + duplicates %d + failed %d != %d results", what, *ans.Stored, *ans.Duplicates, *ans.Failed, len(ans.Results))
			}
			var stored, duplicates, failed int
			for i, r := range ans.Results {
				if r.Line != nonBlank[i] || (i > 0 && r.Line <= ans.Results[i-1].Line) {
					t.Fatalf("%s: result %d is for line %d; want %d", what, i, r.Line, nonBlank[i])
				}
				switch {
				case r.Status == http.StatusCreated && r.ID > 0 && r.Error == nil && !r.Duplicate:
					stored++
				case r.Status == http.StatusOK && r.ID > 0 && r.Error == nil && r.Duplicate:
					duplicates++
				case r.Status >= 400 && r.Status < 500 && r.Error != nil && r.ID == 0:
					failed++
				default:
					t.Fatalf("%s: line %d answered status %d id %d duplicate %v error %s", what, r.Line, r.Status, r.ID, r.Duplicate, deref(r.Error))
				}
			}
			if stored != *ans.Stored || duplicates != *ans.Duplicates || failed != *ans.Failed {
				t.Fatalf("%s: counts %d/%d/%d; results say %d/%d/%d", what, *ans.Stored, *ans.Duplicates, *ans.Failed, stored, duplicates, failed)
			}
			if after-before != int64(stored) {
				t.Fatalf("%s: %d stored but %d events added", what, stored, after-before)
			}
		}
	})
}

func deref(m *json.RawMessage) string {
	if m == nil {
		return "none"
	}
	return string(*m)
}

// quietTB is a testing.TB whose Log and Logf go nowhere.
type quietTB struct{ testing.TB }

func (quietTB) Log(...any)          {}
func (quietTB) Logf(string, ...any) {}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
