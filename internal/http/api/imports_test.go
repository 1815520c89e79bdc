package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// waitImport polls an import until it has finished.
func waitImport(t *testing.T, w *world, token, path string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := w.Do(t, token, get, path, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		m := r.Map(t)
		switch m["status"] {
		case "succeeded", "failed", "cancelled":
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("import still %v after a minute: %s", m["status"], r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestImportScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			file, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte("姓名,手機,電子郵件\r\n王小明,0912-345-678,ming@example.com\r\n李大華,0922-000-111,not an email\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(file)
			zw.Close()

			r := w.Do(t, w.tokens["agent"], post, "/api/v1/imports/preview?type=contacts", gz.Bytes(), "Content-Type", "text/csv")
			if r.Status != 200 {
				t.Fatalf("preview: %d %s", r.Status, r.Body)
			}
			var pv struct {
				Encoding string
				Mapping  []string
				Rows     [][]string
			}
			r.JSON(t, &pv)
			if pv.Encoding != "big5" || strings.Join(pv.Mapping, ",") != "display_name,mobile,email" || len(pv.Rows) != 2 || pv.Rows[0][0] != "王小明" {
				t.Fatalf("preview %+v", pv)
			}

			r = w.Do(t, w.tokens["agent"], post, "/api/v1/imports?type=contacts&name=客戶.csv", gz.Bytes(), "Content-Type", "text/csv")
			if r.Status != 202 || r.Header.Get("Location") == "" {
				t.Fatalf("start: %d %s", r.Status, r.Body)
			}
			loc := r.Header.Get("Location")
			done := waitImport(t, w, w.tokens["agent"], loc)
			if done["status"] != "succeeded" || done["percent"] != 100.0 {
				t.Fatalf("import: %v", done)
			}
			progress := done["progress"].(map[string]any)
			if progress["imported"] != 1.0 || progress["rejected"] != 1.0 || progress["rows_read"] != 2.0 {
				t.Fatalf("progress %v", progress)
			}
			r = w.Do(t, w.tokens["agent"], get, done["problems_url"].(string), nil)
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(r.Body, []byte("\xef\xbb\xbfline,level,reason")) ||
				!strings.Contains(string(r.Body), "3,rejected,") || !strings.Contains(string(r.Body), "李大華") {
				t.Fatalf("problems: %d %q", r.Status, r.Body)
			}
			// The contact belongs to the agent who imported it.
			r = w.Do(t, w.tokens["agent"], get, "/api/v1/contacts?q=小明", nil)
			var list struct {
				Items []struct {
					OwnerID    int64 `json:"owner_id"`
					Restricted bool
				}
			}
			r.JSON(t, &list)
			if len(list.Items) != 1 || list.Items[0].Restricted || w.fill("{agent_id}") != jsonNumber(list.Items[0].OwnerID) {
				t.Fatalf("imported contact: %s", r.Body)
			}
			// Nobody else sees the import.
			if r := w.Do(t, w.tokens["agent2"], get, loc, nil); r.Status != 404 {
				t.Errorf("another agent reads the import: %d", r.Status)
			}
			if r := w.Do(t, w.tokens["agent"], get, "/api/v1/imports", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"succeeded"`) {
				t.Errorf("list: %d %s", r.Status, r.Body)
			}
			// What cannot work is refused at once.
			r = w.Do(t, w.tokens["agent"], post, "/api/v1/imports?type=products", []byte("foo,bar\n1,2\n"), "Content-Type", "text/csv")
			if r.Status != 422 || !strings.Contains(string(r.Body), "missing_column") {
				t.Errorf("bad mapping: %d %s", r.Status, r.Body)
			}
			r = w.Do(t, w.tokens["viewer"], post, "/api/v1/imports?type=contacts", file, "Content-Type", "text/csv")
			if r.Status != 403 {
				t.Errorf("viewer import: %d", r.Status)
			}
			r = w.Do(t, w.tokens["agent"], post, "/api/v1/imports?type=contacts&encoding=ebcdic", file, "Content-Type", "text/csv")
			if r.Status != 422 {
				t.Errorf("unknown encoding: %d %s", r.Status, r.Body)
			}

			// Exports hold what the caller may see.
			r = w.Do(t, w.tokens["agent"], get, "/api/v1/exports/contacts", nil)
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(r.Body, []byte("\xef\xbb\xbfdisplay_name,")) ||
				!strings.Contains(string(r.Body), "王小明") || !strings.Contains(r.Header.Get("Content-Disposition"), "contacts-") {
				t.Errorf("contacts export: %d %v %q", r.Status, r.Header, r.Body)
			}
			r = w.Do(t, w.tokens["agent"], get, "/api/v1/exports/contacts?format=vcard", nil)
			if r.Status != 200 || !strings.Contains(string(r.Body), "FN:王小明") {
				t.Errorf("vcard export: %d %q", r.Status, r.Body)
			}
			r = w.Do(t, w.tokens["agent2"], get, "/api/v1/exports/contacts?format=vcard", nil)
			if r.Status != 200 || strings.Contains(string(r.Body), "王小明") {
				t.Errorf("another agent's vcard export holds the contact: %d %q", r.Status, r.Body)
			}
			for _, path := range []string{"/api/v1/exports/events", "/api/v1/exports/orders", "/api/v1/exports/products?format=vcard", "/api/v1/exports/lemons"} {
				if r := w.Do(t, w.tokens["agent"], get, path, nil); r.Status < 400 || r.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s as an agent: %d %s", path, r.Status, r.Body)
				}
			}
		})
	}
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
