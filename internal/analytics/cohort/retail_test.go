package cohort_test

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/cohort"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// retailRow is what the cohort tests read of a line of the UCI Online
// Retail data (../shared/datasets/README.md).
type retailRow struct {
	customer     int64
	at           string // YYYY-MM-DD HH:MM:SS, UK local time
	cancellation bool   // invoice number starting with C
}

// loadRetail reads the lines that carry a customer id.
func loadRetail(t *testing.T) []retailRow {
	t.Helper()
	f, err := os.Open(testenv.Dataset(t, "online_retail/online_retail.csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(gz)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil || strings.Join(header, ",") != "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country" {
		t.Fatalf("header %v, %v", header, err)
	}
	var rows []retailRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec[6] == "" {
			continue
		}
		id, err := strconv.ParseInt(rec[6], 10, 64)
		if err != nil {
			t.Fatalf("customer id %q: %v", rec[6], err)
		}
		rows = append(rows, retailRow{customer: id, at: rec[4], cancellation: strings.HasPrefix(rec[0], "C")})
	}
	return rows
}

// naiveTable is the retention table computed the plain way: months as the
// "YYYY-MM" prefix of the local date, a map per customer of the months
// they bought in. table[cohort][k] = customers of the cohort active in
// the k-th month after it.
func naiveTable(rows []retailRow, withCancellations bool) map[string][]int {
	months := map[int64]map[string]bool{}
	for _, r := range rows {
		if r.cancellation && !withCancellations {
			continue
		}
		if months[r.customer] == nil {
			months[r.customer] = map[string]bool{}
		}
		months[r.customer][r.at[:7]] = true
	}
	monthIndex := func(m string) int {
		y, _ := strconv.Atoi(m[:4])
		mm, _ := strconv.Atoi(m[5:7])
		return y*12 + mm - 1
	}
	table := map[string][]int{}
	for _, set := range months {
		first := ""
		for m := range set {
			if first == "" || m < first {
				first = m
			}
		}
		for m := range set {
			k := monthIndex(m) - monthIndex(first)
			for len(table[first]) <= k {
				table[first] = append(table[first], 0)
			}
			table[first][k]++
		}
	}
	return table
}

func TestOnlineRetail(t *testing.T) {
	rows := loadRetail(t)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	ordersOf := func(withCancellations bool) []cohort.Order {
		var orders []cohort.Order
		for _, r := range rows {
			if r.cancellation && !withCancellations {
				continue
			}
			at, err := time.ParseInLocation(time.DateTime, r.at, london)
			if err != nil {
				t.Fatal(err)
			}
			orders = append(orders, cohort.Order{Customer: r.customer, At: at})
		}
		return orders
	}

	for _, tc := range []struct {
		name              string
		withCancellations bool
		// December 2010 cohort size and customers back in January 2011,
		// counted separately with a one-off script over the CSV.
		size, january int
	}{
		// Customers with an id, cancellations ('C' invoices) excluded.
		{"purchases", false, 885, 324},
		// Counting cancellation lines too gives 948, the December 2010
		// cohort that Python tutorials of this data set commonly show
		// (they drop lines without a customer id but keep cancellations).
		// No such page could be retrieved to cite from here; 948 and 362
		// were reproduced by the same one-off count as above.
		{"with cancellations", true, 948, 362},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := cohort.Retention(ordersOf(tc.withCancellations), cohort.Options{Location: london})
			if err != nil {
				t.Fatal(err)
			}
			dec := res.Cohorts[0]
			if got := dec.Start.Format("2006-01-02 15:04 MST"); got != "2010-12-01 00:00 GMT" {
				t.Fatalf("first cohort starts %s", got)
			}
			if dec.Size != tc.size || dec.Active[1] != tc.january {
				t.Errorf("December 2010: %d customers, %d back in January; want %d, %d", dec.Size, dec.Active[1], tc.size, tc.january)
			}
			t.Logf("December 2010: %d customers; month 1 %.1f%%, month 11 %.1f%%, month 12 %.1f%%",
				dec.Size, dec.Percent[1], dec.Percent[11], dec.Percent[12])

			// The whole table against the plain computation.
			naive := naiveTable(rows, tc.withCancellations)
			if len(res.Cohorts) != len(naive) {
				t.Errorf("%d cohorts; naive %d", len(res.Cohorts), len(naive))
			}
			customers := 0
			for _, c := range res.Cohorts {
				want := naive[c.Start.Format("2006-01")]
				// The naive rows stop at the cohort's last active month;
				// ours run to the last month of the data, with zeros.
				for k, a := range c.Active {
					w := 0
					if k < len(want) {
						w = want[k]
					}
					if a != w {
						t.Errorf("cohort %s, month %d: %d; naive %d", c.Start.Format("2006-01"), k, a, w)
					}
				}
				if len(want) > len(c.Active) {
					t.Errorf("cohort %s: naive row longer (%d) than ours (%d)", c.Start.Format("2006-01"), len(want), len(c.Active))
				}
				customers += c.Size
			}
			if customers != res.Customers {
				t.Errorf("cohort sizes add to %d of %d customers", customers, res.Customers)
			}
		})
	}
}
