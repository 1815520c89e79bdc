package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/textsearch"
)

func companyColumns(d dialect) string {
	return `r.id, r.version, r.name, r.domain, r.industry, r.size, r.street, r.city, r.region, r.postal_code,
		r.country, r.owner_id, r.team_id, r.custom, r.created_at, r.updated_at, r.deleted_at,
		(SELECT ` + d.jsonAgg("t.name") + ` FROM company_tags ct JOIN tags t ON t.id = ct.tag_id
			WHERE ct.company_id = r.id) AS tag_names`
}

func scanCompany(row rowScanner, sortValue *any) (*customer.Company, error) {
	var c customer.Company
	var custom, tags []byte
	dest := []any{&c.ID, &c.Version, &c.Name, &c.Domain, &c.Industry, &c.Size, &c.Address.Street, &c.Address.City,
		&c.Address.Region, &c.Address.PostalCode, &c.Address.Country, &c.OwnerID, &c.TeamID, &custom,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, nullTimeCol{&c.DeletedAt}, &tags}
	if sortValue != nil {
		dest = append(dest, sortValue)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, mapError(err)
	}
	if err := unmarshalAll(jsonField{custom, &c.Custom}, jsonField{tags, &c.Tags}); err != nil {
		return nil, fmt.Errorf("company %d: %w", c.ID, err)
	}
	c.Tags, c.Custom = orEmpty(c.Tags), orEmptyMap(c.Custom)
	slices.Sort(c.Tags)
	return &c, nil
}

const companyInsertColumns = `id, version, name, domain, industry, size, street, city, region, postal_code,
	country, owner_id, team_id, custom, created_at, updated_at, deleted_at`

// companyUpdateColumns are the columns of companyValues, in order.
var companyUpdateColumns = columnList(companyInsertColumns)[2:]

func (s *Store) companyValues(c *customer.Company) []any {
	return []any{c.Name, c.Domain, c.Industry, c.Size, c.Address.Street, c.Address.City, c.Address.Region,
		c.Address.PostalCode, c.Address.Country, c.OwnerID, c.TeamID, mustJSON(orEmptyMap(c.Custom)),
		s.d.timeArg(c.CreatedAt), s.d.timeArg(c.UpdatedAt), s.nullTimeArg(c.DeletedAt)}
}

// companyDocument is what search finds a company by: its name and domain,
// both on its basic card.
func companyDocument(c *customer.Company) textsearch.Document {
	var d textsearch.Document
	d.Basic.AddText(c.Name)
	d.Basic.AddText(c.Domain)
	if c.DeletedAt != nil {
		d.Basic.AddMarker(textsearch.Trashed)
	}
	return d
}

// CreateCompanies inserts companies with their tags and search entries.
func (s *Store) CreateCompanies(ctx context.Context, cs []*customer.Company) error {
	if len(cs) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		ids, err := s.d.allocIDs(ctx, s.writer(ctx), "companies", len(cs))
		if err != nil {
			return mapError(err)
		}
		values := make([]any, 0, len(cs)*17)
		tags := map[int64][]string{}
		for i, c := range cs {
			c.ID, c.Version = ids[i], 1
			values = append(values, c.ID, c.Version)
			values = append(values, s.companyValues(c)...)
			if len(c.Tags) > 0 {
				tags[c.ID] = c.Tags
			}
		}
		if err := s.insertRows(ctx, "INSERT INTO companies ("+companyInsertColumns+") VALUES", 17, values); err != nil {
			return err
		}
		if err := s.addTags(ctx, "company_tags", "company_id", tags, cs[0].CreatedAt); err != nil {
			return err
		}
		return s.writeSearch(ctx, "company_search", searchDocs(cs, companyDocument), false)
	})
}

// Company reads one company.
func (s *Store) Company(ctx context.Context, id int64) (*customer.Company, error) {
	c, err := scanCompany(s.queryRow(ctx, "SELECT "+s.cols.company+" FROM companies r WHERE r.id = ?", id), nil)
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("company", id)
	}
	return c, err
}

// UpdateCompany saves next over old. A new name, or the company leaving or
// returning from the trash, changes how its people are found, so they are
// re-indexed.
func (s *Store) UpdateCompany(ctx context.Context, old, next *customer.Company) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		set, args := changedColumns(companyUpdateColumns, s.companyValues(old), s.companyValues(next))
		res, err := s.exec(ctx, "UPDATE companies SET version = version + 1"+set+" WHERE id = ? AND version = ?",
			append(args, next.ID, old.Version)...)
		if err := s.checkUpdated(ctx, res, err, "companies", "company", next.ID); err != nil {
			return err
		}
		next.Version = old.Version + 1
		if !slices.Equal(old.Tags, next.Tags) {
			if err := s.replaceTags(ctx, "company_tags", "company_id", next.ID, next.Tags, next.UpdatedAt); err != nil {
				return err
			}
		}
		if old.Name != next.Name || old.Domain != next.Domain || (old.DeletedAt == nil) != (next.DeletedAt == nil) {
			if err := s.writeSearch(ctx, "company_search", map[int64]textsearch.Document{next.ID: companyDocument(next)}, true); err != nil {
				return err
			}
		}
		if old.Name != next.Name || (old.DeletedAt == nil) != (next.DeletedAt == nil) {
			people, err := s.int64s(ctx, "SELECT DISTINCT contact_id FROM positions WHERE company_id = ? AND status = 'current'", next.ID)
			if err != nil {
				return err
			}
			return s.reindexContacts(ctx, people)
		}
		return nil
	})
}

var companySpec = listSpec{
	table: "companies",
	columns: map[string]string{
		"id": "r.id", "name": "r.name", "domain": "r.domain", "industry": "r.industry", "size": "r.size",
		"city": "r.city", "region": "r.region", "country": "r.country", "owner_id": "r.owner_id",
		"team_id": "r.team_id", "created_at": "r.created_at", "updated_at": "r.updated_at", "deleted_at": "r.deleted_at",
	},
	nullable: map[string]bool{"owner_id": true, "team_id": true, "deleted_at": true},
	special: func(s *Store, p customer.Predicate) (string, []any, bool) {
		if p.Field.Name != "tag" {
			return "", nil, false
		}
		cond, args := s.membership(p, "SELECT ct.company_id FROM company_tags ct JOIN tags t ON t.id = ct.tag_id WHERE %s", "t.name_key")
		return cond, args, true
	},
	searchTable: "company_search",
	selectCols:  func(s *Store) string { return s.cols.company },
}

// ListCompanies lists a page of companies.
func (s *Store) ListCompanies(ctx context.Context, q customer.Query) (crm.Page[*customer.Company], error) {
	return list(ctx, s, companySpec, q, scanCompany)
}

// PurgeCompanies deletes companies (and the positions at them) and blanks the
// values of their audit history.
func (s *Store) PurgeCompanies(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		in := placeholders(len(ids))
		people, err := s.int64s(ctx, "SELECT DISTINCT contact_id FROM positions WHERE company_id IN ("+in+")", anySlice(ids)...)
		if err != nil {
			return err
		}
		if err := s.deleteSearch(ctx, "company_search", ids); err != nil {
			return err
		}
		if _, err := s.exec(ctx, "UPDATE audit_log SET changes = '[]' WHERE record_type = 'company' AND record_id IN ("+in+")", anySlice(ids)...); err != nil {
			return err
		}
		if _, err := s.exec(ctx, "DELETE FROM companies WHERE id IN ("+in+")", anySlice(ids)...); err != nil {
			return err
		}
		return s.reindexContacts(ctx, people)
	})
}

// ExpiredCompanies lists companies deleted before t, oldest first.
func (s *Store) ExpiredCompanies(ctx context.Context, before time.Time, limit int) ([]int64, error) {
	return s.int64s(ctx, "SELECT id FROM companies WHERE deleted_at IS NOT NULL AND deleted_at < ? ORDER BY deleted_at LIMIT ?",
		s.d.timeArg(before), limit)
}
