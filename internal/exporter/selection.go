package exporter

import (
	"context"
	"io"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/csvfile"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/importer"
)

// MaxSelection is how many contacts a chosen export holds: what a user
// ticks on the screens, a page or a few.
const MaxSelection = 100

// ContactsCSV writes the chosen contacts the actor may see, as CSV calls
// writes every contact: the same columns, so the file imports back. Ids the
// actor may not see are left out, as a list leaves them out. The first
// record is read before the first byte is written, so a refusal is an
// error, not a cut file.
func (x *Exporter) ContactsCSV(ctx context.Context, w io.Writer, ids []int64) error {
	if len(ids) == 0 || len(ids) > MaxSelection {
		var v crm.Violations
		v.Add("id", "value_count", "max", MaxSelection)
		return v.Err("exporter.ContactsCSV")
	}
	values := make([]string, len(ids))
	for i, id := range ids {
		values[i] = strconv.FormatInt(id, 10)
	}
	page, err := x.Customers.ListContacts(ctx, customer.ListParams{
		Conditions: []customer.Condition{{Field: "id", Op: customer.OpIn, Values: values}},
		Sort:       "id", Limit: len(ids), NoTotal: true,
	})
	if err != nil {
		return err
	}
	cw := csvfile.NewWriter(w)
	fields := importer.Fields(importer.Contacts)
	if err := cw.Write(fields); err != nil {
		return err
	}
	for _, c := range page.Items {
		v := contactValues(c)
		rec := make([]string, len(fields))
		for i, f := range fields {
			rec[i] = v[f]
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	return cw.Flush()
}
