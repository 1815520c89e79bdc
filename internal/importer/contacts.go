package importer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// contactRows imports contacts. A row whose email, phone or external id a
// stored contact has is a duplicate: skipped, or merged into the stored
// contact (its empty fields filled, new emails, phones and tags added).
// A company column finds the company by its exact name, or creates it, and
// gives the contact a position there with the title column.
type contactRows struct {
	im    *Importer
	opt   Options
	rep   *Report
	batch []contactRow
}

type contactRow struct {
	line       int
	cells      []string
	f          customer.ContactFields
	externalID string
	company    string
	title      string
	note       string
}

func (c *contactRows) add(_ context.Context, r row) error {
	x := contactRow{line: r.line, cells: r.cells, externalID: r.get("external_id"), company: r.get("company"), title: r.get("title"), note: r.get("note")}
	f := &x.f
	f.DisplayName, f.FamilyName, f.GivenName = r.get("display_name"), r.get("family_name"), r.get("given_name")
	for _, e := range splitList(r.get("email")) {
		f.Emails = append(f.Emails, customer.Email{Address: e})
	}
	for _, col := range []string{"phone", "mobile"} {
		for _, p := range splitList(r.get(col)) {
			ph := customer.Phone{Number: p}
			if col == "mobile" {
				ph.Label = "mobile"
			}
			f.Phones = append(f.Phones, ph)
		}
	}
	f.Address = customer.Address{Street: r.get("street"), City: r.get("city"), Region: r.get("region"), PostalCode: r.get("postal_code")}
	if country, ok := parseCountry(r.get("country")); ok {
		f.Address.Country = country
	} else {
		c.rep.warn(r.line, fmt.Sprintf("country %q is not one Guanxi knows; the contact was imported without it", r.get("country")))
	}
	if s := r.get("birthday"); s != "" {
		b, err := parseBirthday(s, c.opt.DateOrder)
		if err != nil {
			c.rep.reject(r.line, "birthday: "+err.Error(), r.cells)
			return nil
		}
		f.Birthday = b
	}
	g, ok := parseGender(r.get("gender"))
	if !ok {
		c.rep.reject(r.line, fmt.Sprintf("gender %q: write female, male, other, 女 or 男", r.get("gender")), r.cells)
		return nil
	}
	f.Gender = customer.Gender(g)
	f.PreferredLanguage = r.get("preferred_language")
	f.Tags = splitList(r.get("tags"))
	f.LifecycleStage = customer.LifecycleStage(strings.ToLower(r.get("lifecycle_stage")))
	if f.DisplayName == "" && f.FamilyName == "" && f.GivenName == "" && x.externalID != "" && len(f.Emails) == 0 && len(f.Phones) == 0 {
		f.DisplayName = c.opt.Source + " #" + x.externalID
	}
	c.batch = append(c.batch, x)
	return nil
}

func (c *contactRows) full() bool { return len(c.batch) >= c.opt.BatchSize }

func (c *contactRows) flush(ctx context.Context, _ bool) error {
	if len(c.batch) == 0 {
		return nil
	}
	defer func() { c.batch = c.batch[:0] }()
	// Rows whose external id names a stored contact are duplicates before
	// anything else is checked.
	var ids []string
	for _, x := range c.batch {
		if x.externalID != "" {
			ids = append(ids, x.externalID)
		}
	}
	known, err := c.im.Touchpoints.ExternalContacts(ctx, c.opt.Source, ids)
	if err != nil {
		return err
	}
	var fresh []contactRow
	for _, x := range c.batch {
		if id := known[x.externalID]; x.externalID != "" && id != 0 {
			if err := c.duplicate(ctx, x, id); err != nil {
				return err
			}
			continue
		}
		fresh = append(fresh, x)
	}
	inputs := make([]customer.ContactFields, len(fresh))
	for i, x := range fresh {
		inputs[i] = x.f
	}
	results, err := c.im.Customers.CreateContacts(ctx, inputs, customer.WriteOptions{Source: "import"})
	if err != nil {
		return err
	}
	var links []touchpoint.ExternalLink
	for i, r := range results {
		x := fresh[i]
		switch {
		case r.Err == nil:
			c.rep.Imported++
			if x.externalID != "" {
				links = append(links, touchpoint.ExternalLink{Source: c.opt.Source, ExternalID: x.externalID, ContactID: r.ID})
			}
			if err := c.extras(ctx, x, r.ID); err != nil {
				return err
			}
		case isCode(r.Err, "duplicate_contact"):
			e, _ := crm.AsError(r.Err)
			id, _ := e.Params["existing_id"].(int64)
			if err := c.duplicate(ctx, x, id); err != nil {
				return err
			}
		case isCode(r.Err, "duplicate_in_batch"):
			// the same person twice in the file: the earlier row made them
			e, _ := crm.AsError(r.Err)
			earlier, _ := e.Params["index"].(int)
			if err := c.duplicate(ctx, x, results[earlier].ID); err != nil {
				return err
			}
		default:
			c.rep.reject(x.line, describe(r.Err), x.cells)
		}
	}
	return c.im.Touchpoints.LinkExternalIDs(ctx, links)
}

// duplicate skips a row matching a stored contact, or merges it in.
func (c *contactRows) duplicate(ctx context.Context, x contactRow, id int64) error {
	if c.opt.OnDuplicate == SkipDuplicates {
		c.rep.Skipped++
		return nil
	}
	_, err := c.im.Customers.UpdateContact(ctx, id, 0, func(f *customer.ContactFields) error {
		fillContact(f, x.f)
		return nil
	}, customer.WriteOptions{AllowDuplicate: true, Source: "import"})
	switch {
	case err == nil:
		c.rep.Updated++
		return c.extras(ctx, x, id)
	case crm.KindOf(err) == crm.KindInternal:
		return err
	}
	c.rep.reject(x.line, describe(err), x.cells)
	return nil
}

// fillContact fills the empty fields of a stored contact from a row and
// adds the row's new emails, phones and tags.
func fillContact(f *customer.ContactFields, row customer.ContactFields) {
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&f.DisplayName, row.DisplayName)
	fill(&f.FamilyName, row.FamilyName)
	fill(&f.GivenName, row.GivenName)
	fill(&f.Birthday, row.Birthday)
	fill(&f.PreferredLanguage, row.PreferredLanguage)
	if f.Address == (customer.Address{}) {
		f.Address = row.Address
	}
	if f.Gender == "" {
		f.Gender = row.Gender
	}
	for _, e := range row.Emails {
		if !slices.ContainsFunc(f.Emails, func(o customer.Email) bool { return strings.EqualFold(o.Address, e.Address) }) {
			f.Emails = append(f.Emails, e)
		}
	}
	for _, p := range row.Phones {
		if !slices.ContainsFunc(f.Phones, func(o customer.Phone) bool { return o.Number == p.Number }) {
			f.Phones = append(f.Phones, p)
		}
	}
	for _, t := range row.Tags {
		if !slices.ContainsFunc(f.Tags, func(o string) bool { return strings.EqualFold(o, t) }) {
			f.Tags = append(f.Tags, t)
		}
	}
}

// extras records what a row says beyond the contact's own fields: where
// they work, and a note.
func (c *contactRows) extras(ctx context.Context, x contactRow, id int64) error {
	if x.company != "" {
		companyID, err := c.companyID(ctx, x.company)
		if err != nil {
			return err
		}
		_, err = c.im.Customers.CreatePosition(ctx, customer.PositionFields{ContactID: id, CompanyID: companyID, Title: x.title})
		if err != nil && !crm.IsKind(err, crm.KindConflict) { // already works there
			if crm.KindOf(err) == crm.KindInternal {
				return err
			}
			c.rep.warn(x.line, "company: "+describe(err))
		}
	}
	if x.note != "" {
		cid := id
		_, _, err := c.im.Touchpoints.Record(ctx, touchpoint.EventInput{Type: "note", Channel: "other", Source: c.opt.Source,
			Customer: crm.CustomerRef{ContactID: &cid}, Properties: noteProperties(x.note)})
		if err != nil {
			if crm.KindOf(err) == crm.KindInternal {
				return err
			}
			c.rep.warn(x.line, "note: "+describe(err))
		}
	}
	return nil
}

// companyID finds a live company by its exact name, or creates it.
func (c *contactRows) companyID(ctx context.Context, name string) (int64, error) {
	page, err := c.im.Customers.ListCompanies(ctx, customer.ListParams{
		Conditions: []customer.Condition{{Field: "name", Op: customer.OpEq, Values: []string{name}}}, Limit: 1, NoTotal: true})
	if err != nil {
		return 0, err
	}
	if len(page.Items) > 0 {
		return page.Items[0].ID, nil
	}
	co, err := c.im.Customers.CreateCompany(ctx, customer.CompanyFields{Name: name})
	if err != nil {
		return 0, err
	}
	return co.ID, nil
}

// firstPending: a flush writes every row added.
func (*contactRows) firstPending() int { return -1 }
