package importer_test

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// retailFigures are what the UCI Online Retail file holds, computed here
// from the raw file with its own reading of the rules (documented in
// importer/orders.go): an invoice is one order; an invoice whose rows have
// a negative price (bad-debt adjustments) or a price finer than a penny is
// refused whole; an invoice of negative quantities is a return and counts
// against revenue.
type retailFigures struct {
	invoices, refused     int
	buyers                int   // customers with at least one sale
	customers             int   // customers of the invoices kept
	allCustomers          int   // customers in the file
	sales                 int   // invoices that are sales
	revenuePence          int64 // Σ quantity × price over the invoices kept
	rowsRefused, rowsRead int
}

func readRetail(t *testing.T, path string) retailFigures {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(gz)
	if _, err := r.Read(); err != nil { // header
		t.Fatal(err)
	}
	type invoice struct {
		customer string
		pence    *big.Rat
		rows     int
		bad      bool
		negative bool
	}
	invoices := map[string]*invoice{}
	var order []string
	var fig retailFigures
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		fig.rowsRead++
		no := rec[0]
		inv := invoices[no]
		if inv == nil {
			inv = &invoice{customer: rec[6], pence: new(big.Rat)}
			invoices[no] = inv
			order = append(order, no)
		}
		inv.rows++
		price, ok := new(big.Rat).SetString(rec[5])
		if !ok {
			t.Fatalf("price %q", rec[5])
		}
		price.Mul(price, big.NewRat(100, 1))
		if !price.IsInt() || price.Sign() < 0 {
			inv.bad = true
		}
		qty, ok := new(big.Rat).SetString(rec[3])
		if !ok {
			t.Fatalf("quantity %q", rec[3])
		}
		inv.negative = qty.Sign() < 0
		inv.pence.Add(inv.pence, new(big.Rat).Mul(price, qty))
	}
	buyers, customers, all := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, no := range order {
		inv := invoices[no]
		if inv.customer != "" {
			all[inv.customer] = true
		}
		if inv.bad {
			fig.refused++
			fig.rowsRefused += inv.rows
			continue
		}
		fig.invoices++
		if inv.customer != "" {
			customers[inv.customer] = true
		}
		fig.revenuePence += inv.pence.Num().Int64()
		if !inv.negative {
			fig.sales++
			if inv.customer != "" {
				buyers[inv.customer] = true
			}
		}
	}
	fig.buyers, fig.customers, fig.allCustomers = len(buyers), len(customers), len(all)
	return fig
}

// TestOnlineRetail loads the whole UCI Online Retail file (541,909 rows)
// and checks the overview report against the figures computed from the raw
// file, and the published counts of the data set (UCI, Chen 2015: 25,900
// invoices, 4,372 customers).
func TestOnlineRetail(t *testing.T) {
	path := testenv.Dataset(t, "online_retail/online_retail.csv.gz")
	want := readRetail(t, path)
	if want.rowsRead != 541909 || want.invoices+want.refused != 25900 || want.allCustomers != 4372 {
		t.Fatalf("the file has %d rows, %d invoices and %d customers; the data set has 541,909, 25,900 and 4,372",
			want.rowsRead, want.invoices+want.refused, want.allCustomers)
	}
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) {
			s := testenv.StartServer(t, engine)
			ctx := crm.WithPrincipal(context.Background(), crm.System)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			gz, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			var progressed []importer.Progress
			rep, err := s.Importer.Run(ctx, gz, 47217062, importer.Options{Type: importer.Orders, Source: "online_retail",
				Channel: "web", Currency: "GBP", BatchSize: 1000}, func(p importer.Progress) { progressed = append(progressed, p) })
			if err != nil {
				t.Fatal(err)
			}
			if rep.RowsRead != want.rowsRead || rep.Imported != want.invoices || rep.Rejected != want.rowsRefused || rep.Skipped != 0 {
				t.Errorf("read %d rows, imported %d orders, rejected %d rows, skipped %d; want %d, %d, %d, 0",
					rep.RowsRead, rep.Imported, rep.Rejected, rep.Skipped, want.rowsRead, want.invoices, want.rowsRefused)
			}
			if n := len(progressed); n < 10 || progressed[n-1].Percent() != 100 {
				t.Errorf("%d progress reports, the last at %.1f%%; want many, ending at 100%%", n, progressed[n-1].Percent())
			}
			rejected := 0
			for _, p := range rep.Problems {
				if p.Level == "rejected" {
					rejected++
					if p.Reason == "" || len(p.Cells) != 8 {
						t.Fatalf("rejected row without its reason or cells: %+v", p)
					}
				}
			}
			if rejected != rep.Rejected {
				t.Errorf("%d rejected rows listed; %d counted", rejected, rep.Rejected)
			}
			o, err := s.Reports.Overview(ctx, time.Date(2010, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2011, 12, 10, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			if o.Customers.Total != int64(want.buyers) || o.Sales.Orders != int64(want.sales) || o.Sales.Revenue != want.revenuePence || o.Currency != "GBP" {
				t.Errorf("overview: %d customers, %d orders, revenue %d %s; want %d, %d, %d GBP",
					o.Customers.Total, o.Sales.Orders, o.Sales.Revenue, o.Currency, want.buyers, want.sales, want.revenuePence)
			}
			var contacts int
			if err := s.Store.ReadDB().QueryRow("SELECT count(*) FROM contact_identities WHERE kind = 'external' AND source = 'online_retail'").Scan(&contacts); err != nil {
				t.Fatal(err)
			}
			if contacts != want.customers {
				t.Errorf("%d customers linked to their CustomerID; the invoices kept have %d", contacts, want.customers)
			}
			if !strings.HasPrefix(rep.Encoding, "utf-8") {
				t.Errorf("encoding %s; want utf-8", rep.Encoding)
			}
		})
	}
}

func mustTime(date string) time.Time {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		panic(err)
	}
	return t
}
