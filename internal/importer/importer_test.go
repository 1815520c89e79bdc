package importer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/testenv"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

var sys = crm.WithPrincipal(context.Background(), crm.System)

func big5(t *testing.T, s string) []byte {
	t.Helper()
	b, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// utf16le is what Excel's "Unicode text" writes: UTF-16LE with a BOM, tabs.
func utf16le(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

const contactsCSV = "姓名,電子郵件,手機,生日,公司,職稱,城市,國家,標籤,備註\r\n" +
	"王小明,Ming.Wang@example.com,0912-345-678,1985/04/12,台灣精密機械股份有限公司,採購經理,台中市,台灣,\"VIP,常客\",喜歡烏龍茶\r\n" +
	"陳美玲,mei@example.com,0922 111 222,,台灣精密機械股份有限公司,工程師,台北市,TW,,\r\n" +
	"林志強,not-an-email,0933-444-555,,,,,,,\r\n" +
	",,,,,,,,,\r\n" +
	"王小明,ming.wang@example.com,,,,,,,新客,\r\n"

func TestImportBig5Contacts(t *testing.T) {
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		file := big5(t, contactsCSV)
		rep, err := s.Importer.Run(sys, bytes.NewReader(file), int64(len(file)), importer.Options{Type: importer.Contacts, DryRun: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Encoding != "big5" || rep.Imported != 2 || rep.Rejected != 1 || rep.Skipped != 1 || rep.RowsRead != 4 {
			t.Fatalf("dry run: %+v", rep)
		}
		if page, _ := s.Customers.ListContacts(sys, customer.ListParams{}); len(page.Items) != 0 {
			t.Fatalf("a dry run wrote %d contacts", len(page.Items))
		}
		wantMapping := []string{"display_name", "email", "mobile", "birthday", "company", "title", "city", "country", "tags", "note"}
		if strings.Join(rep.Mapping, ",") != strings.Join(wantMapping, ",") {
			t.Errorf("mapping %v, want %v", rep.Mapping, wantMapping)
		}

		rep, err = s.Importer.Run(sys, bytes.NewReader(file), int64(len(file)), importer.Options{Type: importer.Contacts}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Imported != 2 || rep.Rejected != 1 || rep.Skipped != 1 {
			t.Fatalf("import: %+v", rep)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].Line != 4 || !strings.Contains(rep.Problems[0].Reason, "emails[0].address") {
			t.Errorf("problems %+v; want line 4 with the bad email", rep.Problems)
		}
		page, err := s.Customers.ListContacts(sys, customer.ListParams{Query: "小明"})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("search 小明: %v, %v", page.Items, err)
		}
		ming, err := s.Customers.GetContact(sys, page.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if ming.Phones[0].Number != "+886912345678" || ming.Phones[0].Label != "mobile" || ming.Birthday != "1985-04-12" ||
			ming.Address.Country != "TW" || strings.Join(ming.Tags, ",") != "VIP,常客" || len(ming.Companies) != 1 ||
			ming.Companies[0].Title != "採購經理" {
			t.Errorf("imported contact: %+v", ming)
		}
		tl, err := s.Touchpoints.ContactTimeline(sys, ming.ID, touchpoint.TimelineParams{Kinds: []string{touchpoint.ItemEvent}})
		if err != nil || len(tl.Items) != 1 || tl.Items[0].Type != "note" || !strings.Contains(string(tl.Items[0].Summary), "喜歡烏龍茶") {
			t.Errorf("note: %+v, %v", tl.Items, err)
		}
		cos, err := s.Customers.ListCompanies(sys, customer.ListParams{})
		if err != nil || len(cos.Items) != 1 {
			t.Errorf("the company is created once for both people: %d companies, %v", len(cos.Items), err)
		}

		// Again, updating: the duplicate row adds its tag to 王小明.
		rep, err = s.Importer.Run(sys, bytes.NewReader(file), 0, importer.Options{Type: importer.Contacts, OnDuplicate: importer.UpdateDuplicates}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Imported != 0 || rep.Updated != 3 || rep.Rejected != 1 {
			t.Fatalf("update run: %+v", rep)
		}
		ming, _ = s.Customers.GetContact(sys, ming.ID)
		if strings.Join(ming.Tags, ",") != "VIP,常客,新客" {
			t.Errorf("tags after update: %v", ming.Tags)
		}
	})
}

func TestImportExcelUnicodeTextProducts(t *testing.T) {
	s := testenv.StartServer(t, "sqlite")
	file := utf16le("貨號\t品名\t類別\t售價\t成本\r\nTEA-1\t凍頂烏龍茶 150g\t茶葉\t480\t200\r\nTEA-2\t東方美人\t茶葉\t1,250.50\t\r\nTEA-3\t壞價格\t茶葉\t12.345\t\r\n")
	rep, err := s.Importer.Run(sys, bytes.NewReader(file), 0, importer.Options{Type: importer.Products, Currency: "TWD"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Encoding != "utf-16le" || rep.Comma != "\t" || rep.Imported != 2 || rep.Rejected != 1 {
		t.Fatalf("report %+v", rep)
	}
	page, err := s.Commerce.ListProducts(sys, commerce.ProductQuery{Search: "TEA-2"})
	if err != nil || len(page.Items) != 1 || page.Items[0].Price != 125050 || page.Items[0].Currency != "TWD" {
		t.Fatalf("TEA-2: %+v, %v", page.Items, err)
	}
	if rep.Problems[0].Line != 4 || !strings.Contains(rep.Problems[0].Reason, "12.345") {
		t.Errorf("problem %+v", rep.Problems[0])
	}
}

func TestImportEventsKeepsUnmappedColumns(t *testing.T) {
	s := testenv.StartServer(t, "sqlite")
	file := "event,channel,time,email,page,campaign\n" +
		"page_view,web,2026-03-01 10:00:00,ann@example.com,/tea,spring\n" +
		"store_visit,store,2026-03-02 11:00:00,ann@example.com,,\n" +
		"Bad Type,web,2026-03-02 11:00:00,ann@example.com,,\n"
	rep, err := s.Importer.Run(sys, strings.NewReader(file), 0, importer.Options{Type: importer.Events}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 2 || rep.Rejected != 1 {
		t.Fatalf("report %+v", rep)
	}
	ids, err := s.Touchpoints.ExternalContacts(sys, "import", nil)
	if err != nil || len(ids) != 0 {
		t.Fatal(ids, err)
	}
	page, _ := s.Customers.ListContacts(sys, customer.ListParams{Query: "ann@example.com"})
	if len(page.Items) != 1 {
		t.Fatalf("contacts %v", page.Items)
	}
	tl, err := s.Touchpoints.ContactTimeline(sys, page.Items[0].ID, touchpoint.TimelineParams{Types: []string{"page_view"}})
	if err != nil || len(tl.Items) != 1 || string(tl.Items[0].Summary) != `{"campaign":"spring","page":"/tea"}` {
		t.Fatalf("page view: %+v %v", tl.Items, err)
	}
}

// TestImportResumesFromItsCheckpoint stops an order import after its
// second batch, as a crash would, and resumes it from the last checkpoint:
// every order is stored once and the report adds up as a run in one go.
func TestImportResumesFromItsCheckpoint(t *testing.T) {
	var b strings.Builder
	b.WriteString("order,date,customer id,sku,product,qty,unit price\n")
	rows := 0
	for i := range 40 {
		for j := range 1 + i%3 { // orders of 1 to 3 rows
			b.WriteString(strings.Join([]string{"O-" + strconv.Itoa(i), "2026-03-01", "C" + strconv.Itoa(i%7), "SKU-" + strconv.Itoa(j), "thing " + strconv.Itoa(j), "2", "1.50"}, ",") + "\n")
			rows++
		}
		if i == 17 {
			b.WriteString("O-bad,2026-03-01,C1,SKU-1,thing,x,1.50\n")
			rows++
		}
	}
	file := b.String()
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		var last *importer.Checkpoint
		crash := errors.New("crash")
		checkpoints := 0
		opt := importer.Options{Type: importer.Orders, BatchSize: 7, Currency: "TWD",
			Checkpoint: func(ctx context.Context, c importer.Checkpoint) error {
				checkpoints++
				if checkpoints == 3 {
					return crash // this batch rolls back with its checkpoint
				}
				last = &c
				return nil
			}}
		if _, err := s.Importer.Run(sys, strings.NewReader(file), 0, opt, nil); !errors.Is(err, crash) {
			t.Fatalf("first run: %v; want the crash", err)
		}
		opt.Resume, opt.Checkpoint = last, func(context.Context, importer.Checkpoint) error { return nil }
		rep, err := s.Importer.Run(sys, strings.NewReader(file), 0, opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.RowsRead != rows || rep.Imported != 40 || rep.Rejected != 1 || rep.Skipped != 0 || len(rep.Problems) != 1 {
			t.Fatalf("resumed: read %d of %d rows, imported %d, rejected %d, skipped %d, problems %v",
				rep.RowsRead, rows, rep.Imported, rep.Rejected, rep.Skipped, rep.Problems)
		}
		page, err := s.Commerce.ListOrders(sys, commerce.OrderQuery{Limit: 500})
		if err != nil || len(page.Items) != 40 {
			t.Fatalf("%d orders stored, %v; want 40", len(page.Items), err)
		}
	})
}

func TestImportRefusesAMappingWithoutWhatItNeeds(t *testing.T) {
	s := testenv.StartServer(t, "sqlite")
	_, err := s.Importer.Run(sys, strings.NewReader("foo,bar\n1,2\n"), 0, importer.Options{Type: importer.Products}, nil)
	e, ok := crm.AsError(err)
	if !ok || e.Kind != crm.KindInvalid || len(e.Fields) != 3 || e.Fields[0].Code != "missing_column" {
		t.Fatalf("error %v", err)
	}
	_, err = s.Importer.Run(sys, strings.NewReader("a\n"), 0, importer.Options{Type: "nope"}, nil)
	if !crm.IsKind(err, crm.KindInvalid) {
		t.Fatalf("unknown type: %v", err)
	}
}

// TestCDNOWEventLogAsOrders loads the CDNOW purchase log of Fader, Hardie &
// Lee (2005) — 6,919 purchases of 2,357 customers — as orders.
func TestCDNOWEventLogAsOrders(t *testing.T) {
	path := testenv.Dataset(t, "cdnow/cdnowElog.csv")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cents int64
	customers := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		f := strings.Split(line, ",")
		customers[f[0]] = true
		v, ok := crm.ParseAmount(f[4], "USD")
		if !ok {
			t.Fatalf("sales %q", f[4])
		}
		cents += v
	}
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		rep, err := s.Importer.Run(sys, bytes.NewReader(raw), int64(len(raw)), importer.Options{Type: importer.Orders, Source: "cdnow",
			Currency: "USD", Mapping: []string{"customer_external_id", "", "placed_at", "quantity", "line_total"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Imported != 6919 || rep.Rejected != 0 {
			t.Fatalf("report %+v", rep)
		}
		o, err := s.Reports.Overview(sys, mustTime("1997-01-01"), mustTime("1998-07-01"))
		if err != nil {
			t.Fatal(err)
		}
		if o.Customers.Total != int64(len(customers)) || o.Customers.Total != 2357 || o.Sales.Orders != 6919 || o.Sales.Revenue != cents {
			t.Errorf("overview: %d customers, %d orders, %d cents; want 2357, 6919, %d", o.Customers.Total, o.Sales.Orders, o.Sales.Revenue, cents)
		}
	})
}
