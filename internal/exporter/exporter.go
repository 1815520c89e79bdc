// Package exporter writes records out as files people open elsewhere: CSV
// that Excel opens correctly in Chinese (UTF-8 with a BOM), with the columns
// an import reads back, and contacts as vCard 4.0 for phones and mail
// programs. It reads through the services, so an export holds what its
// user may see and no more.
package exporter

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/csvfile"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
	"github.com/guanxi-crm/guanxi/internal/vcard"
)

// Exporter writes exports.
type Exporter struct {
	Customers   *customer.Service
	Commerce    *commerce.Service
	Touchpoints *touchpoint.Service
}

// pageSize is how many records a page of an export reads at a time.
const pageSize = crm.MaxPageSize

// CSV writes every record of a type the actor may see, with a header of
// the import's field names, so that the file imports back as it is.
func (x *Exporter) CSV(ctx context.Context, w io.Writer, t importer.RecordType) error {
	cw := csvfile.NewWriter(w)
	fields := importer.Fields(t)
	if fields == nil {
		var v crm.Violations
		v.Add("type", "invalid_record_type", "allowed", []importer.RecordType{importer.Contacts, importer.Companies, importer.Products, importer.Orders, importer.Events})
		return v.Err("exporter.CSV")
	}
	currency := ""
	if t == importer.Products || t == importer.Orders {
		var err error
		if currency, err = x.Commerce.Currency(ctx); err != nil {
			return err
		}
	}
	if err := cw.Write(fields); err != nil {
		return err
	}
	write := func(values map[string]string) error {
		rec := make([]string, len(fields))
		for i, f := range fields {
			rec[i] = values[f]
		}
		return cw.Write(rec)
	}
	var err error
	switch t {
	case importer.Contacts:
		err = x.contacts(ctx, func(c *customer.Contact) error { return write(contactValues(c)) })
	case importer.Companies:
		err = pages(func(cursor string) (crm.Page[*customer.Company], error) {
			return x.Customers.ListCompanies(ctx, customer.ListParams{Cursor: cursor, Limit: pageSize, NoTotal: true, Sort: "id"})
		}, func(c *customer.Company) error { return write(companyValues(c)) })
	case importer.Products:
		err = pages(func(cursor string) (crm.Page[*commerce.Product], error) {
			return x.Commerce.ListProducts(ctx, commerce.ProductQuery{Cursor: cursor, Limit: pageSize})
		}, func(p *commerce.Product) error { return write(productValues(p, currency)) })
	case importer.Orders:
		err = pages(func(cursor string) (crm.Page[*commerce.Order], error) {
			return x.Commerce.ListOrders(ctx, commerce.OrderQuery{Cursor: cursor, Limit: pageSize})
		}, func(o *commerce.Order) error {
			for _, v := range orderValues(o, currency) {
				if err := write(v); err != nil {
					return err
				}
			}
			return nil
		})
	case importer.Events:
		err = pages(func(cursor string) (crm.Page[*touchpoint.Event], error) {
			return x.Touchpoints.ListEvents(ctx, touchpoint.EventQuery{Cursor: cursor, Limit: pageSize})
		}, func(e *touchpoint.Event) error { return write(eventValues(e)) })
	}
	if err != nil {
		return err
	}
	return cw.Flush()
}

// pages calls each for every item of every page that list returns.
func pages[T any](list func(cursor string) (crm.Page[T], error), each func(T) error) error {
	cursor := ""
	for {
		page, err := list(cursor)
		if err != nil {
			return err
		}
		for _, item := range page.Items {
			if err := each(item); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		cursor = page.Next
	}
}

// contacts reads every contact the actor may see; a contact they may see
// only as its basic card comes as that card.
func (x *Exporter) contacts(ctx context.Context, each func(*customer.Contact) error) error {
	return pages(func(cursor string) (crm.Page[*customer.Contact], error) {
		return x.Customers.ListContacts(ctx, customer.ListParams{Cursor: cursor, Limit: pageSize, NoTotal: true, Sort: "id"})
	}, each)
}

func contactValues(c *customer.Contact) map[string]string {
	v := map[string]string{
		"display_name": c.DisplayName, "family_name": c.FamilyName, "given_name": c.GivenName,
		"street": c.Address.Street, "city": c.Address.City, "region": c.Address.Region, "postal_code": c.Address.PostalCode,
		"country": c.Address.Country, "birthday": c.Birthday, "gender": string(c.Gender), "preferred_language": c.PreferredLanguage,
		"tags": strings.Join(c.Tags, ", "), "lifecycle_stage": string(c.LifecycleStage),
	}
	var emails, phones, mobiles []string
	for _, e := range c.Emails {
		emails = append(emails, e.Address)
	}
	for _, p := range c.Phones {
		n := p.Number
		if p.Ext != "" {
			n += " #" + p.Ext
		}
		if p.Label == "mobile" {
			mobiles = append(mobiles, n)
		} else {
			phones = append(phones, n)
		}
	}
	v["email"], v["phone"], v["mobile"] = strings.Join(emails, "; "), strings.Join(phones, "; "), strings.Join(mobiles, "; ")
	if len(c.Companies) > 0 {
		v["company"], v["title"] = c.Companies[0].Name, c.Companies[0].Title
	}
	return v
}

func companyValues(c *customer.Company) map[string]string {
	return map[string]string{"name": c.Name, "domain": c.Domain, "industry": c.Industry, "size": c.Size,
		"street": c.Address.Street, "city": c.Address.City, "region": c.Address.Region, "postal_code": c.Address.PostalCode,
		"country": c.Address.Country, "tags": strings.Join(c.Tags, ", ")}
}

func productValues(p *commerce.Product, currency string) map[string]string {
	v := map[string]string{"sku": p.SKU, "name": p.Name, "category": p.Category, "price": crm.FormatAmount(p.Price, currency),
		"currency": p.Currency, "active": strconv.FormatBool(p.Active == nil || *p.Active)}
	if p.Cost != nil {
		v["cost"] = crm.FormatAmount(*p.Cost, currency)
	}
	return v
}

// orderValues writes an order one row per line, as imports read it; a
// return's quantities are negative, as in a cancellation invoice.
func orderValues(o *commerce.Order, currency string) []map[string]string {
	sign := int64(1)
	if o.Kind == commerce.KindReturn {
		sign = -1
	}
	rows := make([]map[string]string, 0, len(o.Lines))
	for _, l := range o.Lines {
		v := map[string]string{"order_number": o.Number, "placed_at": o.PlacedAt.Format(time.RFC3339), "status": o.Status,
			"channel": o.Channel, "currency": o.Currency, "sku": l.SKU, "product_name": l.Name,
			"quantity": strconv.FormatInt(sign*l.Quantity, 10), "unit_price": crm.FormatAmount(l.UnitPrice, currency)}
		if o.ContactID != nil {
			v["customer_contact_id"] = strconv.FormatInt(*o.ContactID, 10)
		}
		if l.Discount != 0 {
			v["discount"] = crm.FormatAmount(l.Discount, currency)
		}
		if l.UnitCost != nil {
			v["unit_cost"] = crm.FormatAmount(*l.UnitCost, currency)
		}
		rows = append(rows, v)
	}
	return rows
}

func eventValues(e *touchpoint.Event) map[string]string {
	v := map[string]string{"type": e.Type, "channel": string(e.Channel), "occurred_at": e.OccurredAt.Format(time.RFC3339Nano),
		"client_event_id": e.ClientEventID, "anonymous_id": e.AnonymousID, "properties": string(e.Properties)}
	if e.ContactID != nil {
		v["contact_id"] = strconv.FormatInt(*e.ContactID, 10)
	}
	if !json.Valid(e.Properties) {
		v["properties"] = "{}"
	}
	return v
}

// VCards writes every contact the actor may see in full as a vCard 4.0.
func (x *Exporter) VCards(ctx context.Context, w io.Writer) error {
	return x.contacts(ctx, func(c *customer.Contact) error {
		if c.Restricted {
			return nil // a basic card is not the contact's card
		}
		return vcard.Write(w, Card(c))
	})
}

// Card is a contact as a vCard.
func Card(c *customer.Contact) *vcard.Card {
	card := &vcard.Card{UID: "urn:guanxi:contact:" + strconv.FormatInt(c.ID, 10), FormattedName: c.DisplayName,
		FamilyName: c.FamilyName, GivenName: c.GivenName, Birthday: c.Birthday, Lang: c.PreferredLanguage,
		Categories: slices.Clone(c.Tags), Rev: c.UpdatedAt.UTC().Format("20060102T150405Z")}
	for i, e := range c.Emails {
		card.Emails = append(card.Emails, vcard.Email{Address: e.Address, Types: labelTypes(e.Label), Pref: i == 0})
	}
	for i, p := range c.Phones {
		n := p.Number
		if p.Ext != "" {
			n += ";ext=" + p.Ext
		}
		types := labelTypes(p.Label)
		if p.Label == "mobile" {
			types = []string{"cell"}
		}
		card.Phones = append(card.Phones, vcard.Phone{Number: n, Types: types, Pref: i == 0})
	}
	if a := c.Address; a != (customer.Address{}) {
		card.Addresses = []vcard.Address{{Street: a.Street, Locality: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}}
	}
	switch c.Gender {
	case customer.GenderFemale:
		card.Gender = "F"
	case customer.GenderMale:
		card.Gender = "M"
	case customer.GenderOther:
		card.Gender = "O"
	}
	if len(c.Companies) > 0 {
		card.Org, card.Title = c.Companies[0].Name, c.Companies[0].Title
	}
	return card
}

func labelTypes(label string) []string {
	switch label {
	case "", "other":
		return nil
	}
	return []string{label}
}

// Check says whether the actor may export records of a type, before any
// byte of the file is written: reading the first record is what refuses.
func (x *Exporter) Check(ctx context.Context, t importer.RecordType) error {
	var err error
	switch t {
	case importer.Contacts:
		_, err = x.Customers.ListContacts(ctx, customer.ListParams{Limit: 1, NoTotal: true})
	case importer.Companies:
		_, err = x.Customers.ListCompanies(ctx, customer.ListParams{Limit: 1, NoTotal: true})
	case importer.Products:
		_, err = x.Commerce.ListProducts(ctx, commerce.ProductQuery{Limit: 1})
	case importer.Orders:
		_, err = x.Commerce.ListOrders(ctx, commerce.OrderQuery{Limit: 1})
	case importer.Events:
		_, err = x.Touchpoints.ListEvents(ctx, touchpoint.EventQuery{Limit: 1})
	default:
		var v crm.Violations
		v.Add("type", "invalid_record_type", "allowed", []importer.RecordType{importer.Contacts, importer.Companies, importer.Products, importer.Orders, importer.Events})
		err = v.Err("exporter.Check")
	}
	return err
}
