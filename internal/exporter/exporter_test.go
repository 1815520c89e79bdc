package exporter_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/exporter"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/testenv"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
	"github.com/guanxi-crm/guanxi/internal/vcard"
)

var sys = crm.WithPrincipal(context.Background(), crm.System)

func exp(s *testenv.Server) *exporter.Exporter {
	return &exporter.Exporter{Customers: s.Customers, Commerce: s.Commerce, Touchpoints: s.Touchpoints}
}

// seed fills a server with a little of everything.
func seed(t *testing.T, s *testenv.Server) {
	t.Helper()
	co, err := s.Customers.CreateCompany(sys, customer.CompanyFields{Name: "台灣精密機械股份有限公司", Domain: "twprecision.com.tw",
		Address: customer.Address{City: "台中市", Country: "TW"}, Tags: []string{"key account"}})
	if err != nil {
		t.Fatal(err)
	}
	ming, err := s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: "王", GivenName: "小明",
		Emails: []customer.Email{{Address: "ming@example.com"}}, Phones: []customer.Phone{{Number: "0912-345-678", Label: "mobile"}, {Number: "02-2345-6789", Ext: "12"}},
		Birthday: "1985-04-12", Gender: customer.GenderMale, Tags: []string{"VIP", "常客"}, Address: customer.Address{City: "台北市", Country: "TW"}},
		customer.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Customers.CreatePosition(sys, customer.PositionFields{ContactID: ming.ID, CompanyID: co.ID, Title: "採購經理"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Customers.CreateContact(sys, customer.ContactFields{DisplayName: "=HYPERLINK(\"evil\")", Emails: []customer.Email{{Address: "x@example.com"}}}, customer.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	cost := int64(20000)
	if _, err := s.Commerce.CreateProduct(sys, commerce.ProductFields{SKU: "TEA-1", Name: "凍頂烏龍茶", Price: 48000, Cost: &cost, Currency: "TWD"}); err != nil {
		t.Fatal(err)
	}
	placed := time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC)
	for _, in := range []commerce.OrderInput{
		{Number: "A-1", Customer: crm.CustomerRef{ContactID: &ming.ID}, PlacedAt: &placed, Lines: []commerce.LineInput{{SKU: "TEA-1", Quantity: 2, Discount: 500}}},
		{Number: "R-1", Kind: commerce.KindReturn, Customer: crm.CustomerRef{ContactID: &ming.ID}, PlacedAt: &placed, Lines: []commerce.LineInput{{SKU: "TEA-1", Quantity: 1}}},
	} {
		if _, err := s.Commerce.CreateOrder(sys, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Touchpoints.Record(sys, touchpoint.EventInput{Type: "store_visit", Channel: "store", OccurredAt: &placed,
		ClientEventID: "v-1", Customer: crm.CustomerRef{ContactID: &ming.ID}, Properties: []byte(`{"store":"台北信義店"}`)}); err != nil {
		t.Fatal(err)
	}
}

// TestCSVRoundTrip exports each record type and imports the files into an
// empty database: what comes back is what went out.
func TestCSVRoundTrip(t *testing.T) {
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		seed(t, s)
		files := map[importer.RecordType][]byte{}
		for _, typ := range []importer.RecordType{importer.Companies, importer.Contacts, importer.Products, importer.Orders, importer.Events} {
			var b bytes.Buffer
			if err := exp(s).CSV(sys, &b, typ); err != nil {
				t.Fatalf("export %s: %v", typ, err)
			}
			if !bytes.HasPrefix(b.Bytes(), []byte("\xef\xbb\xbf")) {
				t.Errorf("%s export has no BOM", typ)
			}
			files[typ] = b.Bytes()
		}
		if !strings.Contains(string(files[importer.Contacts]), `'=HYPERLINK`) {
			t.Errorf("a formula is exported as a formula:\n%s", files[importer.Contacts])
		}
		if !strings.Contains(string(files[importer.Orders]), "R-1,") || !strings.Contains(string(files[importer.Orders]), ",-1,") {
			t.Errorf("the return is not exported with a negative quantity:\n%s", files[importer.Orders])
		}

		fresh := testenv.StartServer(t, "sqlite")
		for _, typ := range []importer.RecordType{importer.Companies, importer.Contacts, importer.Products} {
			rep, err := fresh.Importer.Run(sys, bytes.NewReader(files[typ]), 0, importer.Options{Type: typ}, nil)
			if err != nil || rep.Rejected != 0 {
				t.Fatalf("import %s: %+v, %v", typ, rep, err)
			}
		}
		page, err := fresh.Customers.ListContacts(sys, customer.ListParams{Query: "ming@example.com"})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("contacts: %v, %v", page.Items, err)
		}
		got, _ := fresh.Customers.GetContact(sys, page.Items[0].ID)
		phones := map[string]customer.Phone{}
		for _, p := range got.Phones {
			phones[p.Number] = p
		}
		if got.DisplayName != "王小明" || got.Birthday != "1985-04-12" || len(got.Phones) != 2 || phones["+886912345678"].Label != "mobile" ||
			phones["+886223456789"].Ext != "12" || strings.Join(got.Tags, ",") != "VIP,常客" || len(got.Companies) != 1 || got.Companies[0].Title != "採購經理" {
			t.Errorf("contact after a round trip: %+v", got)
		}
		products, _ := fresh.Commerce.ListProducts(sys, commerce.ProductQuery{})
		if len(products.Items) != 1 || products.Items[0].Price != 48000 || *products.Items[0].Cost != 20000 {
			t.Errorf("products after a round trip: %+v", products.Items)
		}
		// Orders name their customer by contact id, which is this
		// database's: they go back into the database they came from.
		rep, err := s.Importer.Run(sys, bytes.NewReader(files[importer.Orders]), 0, importer.Options{Type: importer.Orders}, nil)
		if err != nil || rep.Skipped != 2 || rep.Rejected != 0 {
			t.Errorf("orders back into their database: %+v, %v", rep, err)
		}
	})
}

func TestVCardRoundTrip(t *testing.T) {
	s := testenv.StartServer(t, "sqlite")
	seed(t, s)
	var b bytes.Buffer
	if err := exp(s).VCards(sys, &b); err != nil {
		t.Fatal(err)
	}
	cards, err := vcard.Parse(bytes.NewReader(b.Bytes()))
	if err != nil || len(cards) != 2 {
		t.Fatalf("%d cards, %v:\n%s", len(cards), err, b.String())
	}
	fresh := testenv.StartServer(t, "sqlite")
	rep, err := fresh.Importer.Run(sys, bytes.NewReader(b.Bytes()), 0, importer.Options{Type: importer.Contacts, Source: "vcard"}, nil)
	if err != nil || rep.Imported != 2 || rep.Encoding != "vcard" {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	page, _ := fresh.Customers.ListContacts(sys, customer.ListParams{Query: "小明"})
	if len(page.Items) != 1 {
		t.Fatalf("contacts %v", page.Items)
	}
	got, _ := fresh.Customers.GetContact(sys, page.Items[0].ID)
	labels := map[string]string{}
	for _, p := range got.Phones {
		labels[p.Number+"#"+p.Ext] = p.Label
	}
	if got.FamilyName != "王" || got.GivenName != "小明" || got.Gender != customer.GenderMale || len(labels) != 2 ||
		labels["+886912345678#"] != "mobile" || labels["+886223456789#12"] != "" || got.Address.City != "台北市" || len(got.Companies) != 1 {
		t.Errorf("contact from its vCard: %+v", got)
	}
	// The UID ties the card to the contact: importing it again skips it.
	rep, err = fresh.Importer.Run(sys, bytes.NewReader(b.Bytes()), 0, importer.Options{Type: importer.Contacts, Source: "vcard"}, nil)
	if err != nil || rep.Imported != 0 || rep.Skipped != 2 {
		t.Errorf("again: %+v, %v", rep, err)
	}
}

// TestVCardsAsPhonesWriteThem imports an Android export: vCard 2.1 with a
// quoted-printable UTF-8 name, and a broken card between good ones.
func TestVCardsAsPhonesWriteThem(t *testing.T) {
	s := testenv.StartServer(t, "sqlite")
	file := "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=8E=8B;=E5=B0=8F=E6=98=8E;;;\r\n" +
		"TEL;CELL:0912-345-678\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:broken\r\nTEL;TYPE=CELL 0922\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nFN:Ann Lee\r\nitem1.EMAIL;type=INTERNET;type=pref:ann@example.com\r\nEND:VCARD\r\n"
	rep, err := s.Importer.Run(sys, strings.NewReader(file), 0, importer.Options{Type: importer.Contacts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 2 || rep.Rejected != 1 || rep.Problems[0].Line != 9 {
		t.Fatalf("report %+v", rep)
	}
	page, _ := s.Customers.ListContacts(sys, customer.ListParams{Query: "王小明"})
	if len(page.Items) != 1 || page.Items[0].DisplayName != "王小明" {
		t.Fatalf("王小明: %+v", page.Items)
	}
}
