package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/textsearch"
)

var _ customer.Store = (*Store)(nil)

// contactColumns is the select list of a contact, with its tags and current
// companies aggregated in the same query so a read is one round trip.
func contactColumns(d dialect) string {
	return `r.id, r.version, r.display_name, r.family_name, r.given_name, r.emails, r.phones,
		r.street, r.city, r.region, r.postal_code, r.country, r.birthday, r.anniversaries, r.gender,
		r.preferred_language, r.lifecycle_stage, r.owner_id, r.team_id, r.consent, r.custom,
		r.created_at, r.updated_at, r.deleted_at, r.merged_into_id,
		(SELECT ` + d.jsonAgg("t.name") + ` FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
			WHERE ct.contact_id = r.id) AS tag_names,
		(SELECT ` + d.jsonAgg(d.jsonObject("'company_id'", "p.company_id", "'name'", "co.name", "'title'", "p.title",
		"'buying_role'", "p.buying_role")) + ` FROM positions p JOIN companies co ON co.id = p.company_id
			WHERE p.contact_id = r.id AND p.status = 'current' AND co.deleted_at IS NULL) AS company_refs`
}

// rowScanner is what *sql.Row and *sql.Rows share.
type rowScanner interface{ Scan(dest ...any) error }

// scanContact reads a row of contactColumns, then the sort value when
// sortValue is not nil.
func scanContact(row rowScanner, sortValue *any) (*customer.Contact, error) {
	var c customer.Contact
	var emails, phones, anniversaries, consent, custom, tags, companies []byte
	dest := []any{&c.ID, &c.Version, &c.DisplayName, &c.FamilyName, &c.GivenName, &emails, &phones,
		&c.Address.Street, &c.Address.City, &c.Address.Region, &c.Address.PostalCode, &c.Address.Country,
		&c.Birthday, &anniversaries, &c.Gender, &c.PreferredLanguage, &c.LifecycleStage, &c.OwnerID, &c.TeamID,
		&consent, &custom, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, nullTimeCol{&c.DeletedAt}, &c.MergedIntoID,
		&tags, &companies}
	if sortValue != nil {
		dest = append(dest, sortValue)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, mapError(err)
	}
	// The fixed shapes have decoders of their own (jsoncols.go), several
	// times faster than encoding/json, which decoding a list page spent
	// two fifths of its time in.
	var errs [7]error
	c.Emails, errs[0] = decodeEmails(emails)
	c.Phones, errs[1] = decodePhones(phones)
	c.Anniversaries, errs[2] = decodeAnniversaries(anniversaries)
	c.Consent, errs[3] = decodeConsent(consent)
	c.Tags, errs[4] = decodeStrings(tags)
	c.Companies, errs[5] = decodeCompanyRefs(companies)
	errs[6] = unmarshalAll(jsonField{custom, &c.Custom})
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("contact %d: %w", c.ID, err)
	}
	c.Emails, c.Phones, c.Anniversaries, c.Tags, c.Companies = orEmpty(c.Emails), orEmpty(c.Phones),
		orEmpty(c.Anniversaries), orEmpty(c.Tags), orEmpty(c.Companies)
	c.Custom = orEmptyMap(c.Custom)
	slices.Sort(c.Tags)
	slices.SortFunc(c.Companies, func(a, b customer.CompanyRef) int { return int(a.CompanyID - b.CompanyID) })
	return &c, nil
}

type jsonField struct {
	raw []byte
	dst any
}

// unmarshalAll decodes JSON columns. Most of a record's lists and maps are
// empty, so those are skipped (callers give the empty value themselves).
func unmarshalAll(fields ...jsonField) error {
	for _, f := range fields {
		switch string(f.raw) {
		case "", "[]", "{}", "null":
			continue
		}
		if err := json.Unmarshal(f.raw, f.dst); err != nil {
			return err
		}
	}
	return nil
}

// contactValues are the stored columns of contactInsertColumns after id and
// version.
func (s *Store) contactValues(c *customer.Contact) []any {
	return []any{c.DisplayName, c.FamilyName, c.GivenName, mustJSON(orEmpty(c.Emails)), mustJSON(orEmpty(c.Phones)),
		c.Address.Street, c.Address.City, c.Address.Region, c.Address.PostalCode, c.Address.Country,
		c.Birthday, mustJSON(orEmpty(c.Anniversaries)), string(c.Gender), c.PreferredLanguage, string(c.LifecycleStage),
		c.OwnerID, c.TeamID, mustJSON(c.Consent), mustJSON(orEmptyMap(c.Custom)),
		s.d.timeArg(c.CreatedAt), s.d.timeArg(c.UpdatedAt), s.nullTimeArg(c.DeletedAt)}
}

const contactInsertColumns = `id, version, display_name, family_name, given_name, emails, phones,
	street, city, region, postal_code, country, birthday, anniversaries, gender, preferred_language,
	lifecycle_stage, owner_id, team_id, consent, custom, created_at, updated_at, deleted_at`

// contactUpdateColumns are the columns of contactValues, in order.
var contactUpdateColumns = columnList(contactInsertColumns)[2:]

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("store: " + err.Error()) // domain values always encode
	}
	return string(b)
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// CreateContacts inserts contacts with their keys, tags and search entries.
func (s *Store) CreateContacts(ctx context.Context, cs []*customer.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		ids, err := s.d.allocIDs(ctx, s.writer(ctx), "contacts", len(cs))
		if err != nil {
			return mapError(err)
		}
		values := make([]any, 0, len(cs)*24)
		var keys []any
		tags := map[int64][]string{}
		for i, c := range cs {
			c.ID, c.Version = ids[i], 1
			values = append(values, c.ID, c.Version)
			values = append(values, s.contactValues(c)...)
			for _, k := range c.Keys() {
				keys = append(keys, string(k.Kind), k.Value, c.ID)
			}
			if len(c.Tags) > 0 {
				tags[c.ID] = c.Tags
			}
		}
		if err := s.insertRows(ctx, "INSERT INTO contacts ("+contactInsertColumns+") VALUES", 24, values); err != nil {
			return err
		}
		if err := s.insertRows(ctx, "INSERT INTO contact_keys (kind, value, contact_id) VALUES", 3, keys); err != nil {
			return err
		}
		if err := s.addTags(ctx, "contact_tags", "contact_id", tags, cs[0].CreatedAt); err != nil {
			return err
		}
		return s.writeSearch(ctx, "contact_search", searchDocs(cs, contactDocument), false)
	})
}

// contactDocument is what search finds a contact by: names and the
// companies where they work (on the basic card), emails and phone digits
// (not on it).
func contactDocument(c *customer.Contact) textsearch.Document {
	var d textsearch.Document
	d.Basic.AddText(c.DisplayName)
	d.Basic.AddText(c.FamilyName)
	d.Basic.AddText(c.GivenName)
	for _, co := range c.Companies {
		d.Basic.AddText(co.Name)
	}
	if c.DeletedAt != nil {
		d.Basic.AddMarker(textsearch.Trashed)
	}
	for _, e := range c.Emails {
		d.Private.AddText(e.Address)
	}
	for _, p := range c.Phones {
		d.Private.AddDigits(crm.PhoneSearchForms(p.Number)...)
	}
	return d
}

func searchDocs[T any](records []T, doc func(T) textsearch.Document) map[int64]textsearch.Document {
	docs := make(map[int64]textsearch.Document, len(records))
	for _, r := range records {
		docs[idOf(r)] = doc(r)
	}
	return docs
}

// writeSearch stores search entries, replacing existing ones when replace is
// set.
func (s *Store) writeSearch(ctx context.Context, table string, docs map[int64]textsearch.Document, replace bool) error {
	if len(docs) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(docs))
	for id := range docs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if replace {
		if err := s.deleteSearch(ctx, table, ids); err != nil {
			return err
		}
	}
	const width = 5
	perStatement := rowsPerInsert(width)
	for start := 0; start < len(ids); start += perStatement {
		chunk := ids[start:min(len(ids), start+perStatement)]
		args := make([]any, 0, len(chunk)*width)
		for _, id := range chunk {
			d := docs[id]
			args = append(args, id, d.Basic.Tokens(), d.Private.Tokens(), d.Basic.Text(), d.Private.Text())
		}
		if _, err := s.exec(ctx, s.d.searchInsert(table, len(chunk)), args...); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) deleteSearch(ctx context.Context, table string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.exec(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s IN (%s)", table, s.d.searchKey(), placeholders(len(ids))), anySlice(ids)...)
	return err
}

// reindexContacts rebuilds the search entries of contacts, after something
// they are found by changed elsewhere (a position, a company's name).
func (s *Store) reindexContacts(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	// Serialise re-indexing of a contact, so that of two transactions
	// changing what it is found by, the later reads what the earlier wrote.
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = fmt.Sprintf("contact_search:%d", id)
	}
	if err := s.d.lockKeys(ctx, s.writer(ctx), keys); err != nil {
		return mapError(err)
	}
	cs, err := s.Contacts(ctx, ids)
	if err != nil {
		return err
	}
	if err := s.deleteSearch(ctx, "contact_search", ids); err != nil {
		return err
	}
	live := slices.DeleteFunc(cs, func(c *customer.Contact) bool { return c.MergedIntoID != nil })
	return s.writeSearch(ctx, "contact_search", searchDocs(live, contactDocument), false)
}

// Contact reads one contact, with its figures in the same query: a single
// read carries them, lists do not, to stay one query per page.
func (s *Store) Contact(ctx context.Context, id int64) (*customer.Contact, error) {
	var m customer.Metrics
	var currency *string
	row := withExtra{s.queryRow(ctx, "SELECT "+s.cols.contact+`, m.first_seen_at, m.last_seen_at, m.first_order_at,
			m.last_order_at, COALESCE(m.order_count, 0), COALESCE(m.revenue, 0), COALESCE(m.profit, 0),
			COALESCE(m.open_cart_value, 0), (SELECT value FROM settings WHERE key = 'currency')
		FROM contacts r LEFT JOIN contact_metrics m ON m.contact_id = r.id WHERE r.id = ?`, id),
		[]any{nullTimeCol{&m.FirstSeenAt}, nullTimeCol{&m.LastSeenAt}, nullTimeCol{&m.FirstOrderAt}, nullTimeCol{&m.LastOrderAt},
			&m.OrderCount, &m.Revenue, &m.Profit, &m.OpenCartValue, &currency}}
	c, err := scanContact(row, nil)
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("contact", id)
	} else if err != nil {
		return nil, err
	}
	if currency != nil {
		m.Currency = *currency
	}
	if m.OrderCount > 0 {
		// rounded down, also when returns make revenue negative
		m.AverageOrderValue = m.Revenue / m.OrderCount
		if m.Revenue%m.OrderCount != 0 && m.Revenue < 0 {
			m.AverageOrderValue--
		}
	}
	c.Metrics = &m
	return c, nil
}

// withExtra scans the columns a scanner expects, then the rest of the row
// into extra.
type withExtra struct {
	row   rowScanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

// ContactsOwnership reads the owner, team, trash and merge state of several
// contacts: what a check of permissions needs, without the lists a full
// read aggregates.
func (s *Store) ContactsOwnership(ctx context.Context, ids []int64) ([]*customer.Contact, error) {
	var out []*customer.Contact
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(len(ids), start+1000)]
		rows, err := s.query(ctx, "SELECT id, owner_id, team_id, deleted_at, merged_into_id FROM contacts WHERE id IN ("+
			placeholders(len(chunk))+")", anySlice(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c customer.Contact
			if err := rows.Scan(&c.ID, &c.OwnerID, &c.TeamID, nullTimeCol{&c.DeletedAt}, &c.MergedIntoID); err != nil {
				rows.Close()
				return nil, mapError(err)
			}
			out = append(out, &c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
	}
	return out, nil
}

// Contacts reads several contacts, in id order.
func (s *Store) Contacts(ctx context.Context, ids []int64) ([]*customer.Contact, error) {
	var out []*customer.Contact
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(len(ids), start+1000)]
		rows, err := s.query(ctx, "SELECT "+s.cols.contact+" FROM contacts r WHERE r.id IN ("+placeholders(len(chunk))+") ORDER BY r.id", anySlice(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c, err := scanContact(rows, nil)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
	}
	return out, nil
}

// UpdateContact saves next over old, checking old's version, and rewrites
// the keys, tags and search entry only where they changed.
func (s *Store) UpdateContact(ctx context.Context, old, next *customer.Contact) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		set, args := changedColumns(contactUpdateColumns, s.contactValues(old), s.contactValues(next))
		res, err := s.exec(ctx, "UPDATE contacts SET version = version + 1"+set+" WHERE id = ? AND version = ?",
			append(args, next.ID, old.Version)...)
		if err := s.checkUpdated(ctx, res, err, "contacts", "contact", next.ID); err != nil {
			return err
		}
		next.Version = old.Version + 1
		if !slices.Equal(old.Keys(), next.Keys()) {
			if _, err := s.exec(ctx, "DELETE FROM contact_keys WHERE contact_id = ?", next.ID); err != nil {
				return err
			}
			var keys []any
			for _, k := range next.Keys() {
				keys = append(keys, string(k.Kind), k.Value, next.ID)
			}
			if err := s.insertRows(ctx, "INSERT INTO contact_keys (kind, value, contact_id) VALUES", 3, keys); err != nil {
				return err
			}
		}
		if !slices.Equal(old.Tags, next.Tags) {
			if err := s.replaceTags(ctx, "contact_tags", "contact_id", next.ID, next.Tags, next.UpdatedAt); err != nil {
				return err
			}
		}
		if searchChanged(old, next) {
			return s.writeSearch(ctx, "contact_search", map[int64]textsearch.Document{next.ID: contactDocument(next)}, true)
		}
		return nil
	})
}

func searchChanged(old, next *customer.Contact) bool {
	return old.DisplayName != next.DisplayName || old.FamilyName != next.FamilyName || old.GivenName != next.GivenName ||
		!slices.Equal(old.Emails, next.Emails) || !slices.Equal(old.Phones, next.Phones) ||
		(old.DeletedAt == nil) != (next.DeletedAt == nil)
}

// checkUpdated turns an UPDATE … WHERE version = ? that touched no row into
// the right error: NotFound when the row is gone, Stale when it moved on.
func (s *Store) checkUpdated(ctx context.Context, res interface{ RowsAffected() (int64, error) }, err error, table, what string, id int64) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapError(err)
	}
	if n == 1 {
		return nil
	}
	var current int64
	err = s.queryRow(ctx, "SELECT version FROM "+table+" WHERE id = ?", id).Scan(&current)
	if err != nil {
		if crm.IsKind(mapError(err), crm.KindNotFound) {
			return notFound(what, id)
		}
		return mapError(err)
	}
	return crm.Stale("store.update", current)
}

var contactSpec = listSpec{
	table: "contacts",
	columns: map[string]string{
		"id": "r.id", "display_name": "r.display_name", "family_name": "r.family_name", "given_name": "r.given_name",
		"city": "r.city", "region": "r.region", "postal_code": "r.postal_code", "country": "r.country",
		"birthday": "r.birthday", "gender": "r.gender", "preferred_language": "r.preferred_language",
		"lifecycle_stage": "r.lifecycle_stage", "owner_id": "r.owner_id", "team_id": "r.team_id",
		"created_at": "r.created_at", "updated_at": "r.updated_at", "deleted_at": "r.deleted_at",
	},
	nullable:    map[string]bool{"owner_id": true, "team_id": true, "deleted_at": true},
	special:     contactPredicate,
	searchTable: "contact_search",
	selectCols:  func(s *Store) string { return s.cols.contact },
}

// contactPredicate renders predicates on contact fields kept outside the
// contacts row.
func contactPredicate(s *Store, p customer.Predicate) (string, []any, bool) {
	switch p.Field.Name {
	case "phone":
		if p.Op == customer.OpEq || p.Op == customer.OpIn || p.Op == customer.OpNe {
			// A value with an extension (customer.PhoneKey) names that line;
			// a bare number matches with any extension: its keys are "+886…"
			// and "+886…;ext=12", the latter found by a range the index serves.
			var conds []string
			var args []any
			for _, v := range p.Values {
				n := v.(string)
				if strings.Contains(n, ";ext=") {
					conds, args = append(conds, "value = ?"), append(args, n)
					continue
				}
				conds = append(conds, "value = ? OR (value >= ? AND value < ?)")
				args = append(args, n, n+";ext=", n+";ext>")
			}
			in := "r.id IN (SELECT contact_id FROM contact_keys WHERE kind = 'phone' AND (" + strings.Join(conds, " OR ") + "))"
			if p.Op == customer.OpNe {
				in = "NOT " + in
			}
			return in, args, true
		}
		cond, args := s.membership(p, "SELECT contact_id FROM contact_keys WHERE kind = 'phone' AND %s", "value")
		return cond, args, true
	case "email":
		cond, args := s.membership(p, "SELECT contact_id FROM contact_keys WHERE kind = 'email' AND %s", "value")
		return cond, args, true
	case "tag":
		cond, args := s.membership(p, "SELECT ct.contact_id FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE %s", "t.name_key")
		return cond, args, true
	case "company_id":
		cond, args := s.membership(p, "SELECT contact_id FROM positions WHERE status = 'current' AND %s", "company_id")
		return cond, args, true
	case "consent.email", "consent.sms", "consent.phone", "consent.messaging":
		channel := p.Field.Name[len("consent."):]
		cond, args := s.condition("COALESCE("+s.d.jsonText("r.consent", channel, "status")+", '')", false, p)
		return cond, args, true
	}
	return "", nil, false
}

// membership renders a predicate on an attribute with several values kept in
// another table. subquery selects the ids of records with a matching value;
// its %s takes the condition on valueExpr. eq and in mean "has one of", ne
// "has none of", exists "has any value".
func (s *Store) membership(p customer.Predicate, subquery, valueExpr string) (string, []any) {
	switch p.Op {
	case customer.OpExists:
		in := "r.id IN (" + fmt.Sprintf(subquery, "1 = 1") + ")"
		if p.Values[0].(bool) {
			return in, nil
		}
		return "NOT " + in, nil
	case customer.OpNe:
		cond, args := s.condition(valueExpr, false, customer.Predicate{Field: p.Field, Op: customer.OpIn, Values: p.Values})
		return "r.id NOT IN (" + fmt.Sprintf(subquery, cond) + ")", args
	}
	cond, args := s.condition(valueExpr, false, p)
	return "r.id IN (" + fmt.Sprintf(subquery, cond) + ")", args
}

// ListContacts lists a page of contacts.
func (s *Store) ListContacts(ctx context.Context, q customer.Query) (crm.Page[*customer.Contact], error) {
	return list(ctx, s, contactSpec, q, scanContact)
}

// LockKeys serialises duplicate checks on the same keys (PostgreSQL only;
// SQLite has one writer).
func (s *Store) LockKeys(ctx context.Context, keys []customer.Key) error {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = string(k.Kind) + ":" + k.Value
	}
	return mapError(s.d.lockKeys(ctx, s.writer(ctx), names))
}

// ContactIDsByKey finds the live contacts holding each key.
func (s *Store) ContactIDsByKey(ctx context.Context, keys []customer.Key) (map[customer.Key][]int64, error) {
	out := map[customer.Key][]int64{}
	byKind := map[customer.KeyKind][]any{}
	for _, k := range keys {
		byKind[k.Kind] = append(byKind[k.Kind], k.Value)
	}
	for kind, values := range byKind {
		for start := 0; start < len(values); start += 1000 {
			chunk := values[start:min(len(values), start+1000)]
			rows, err := s.query(ctx, `SELECT k.value, k.contact_id FROM contact_keys k
				JOIN contacts c ON c.id = k.contact_id AND c.deleted_at IS NULL
				WHERE k.kind = ? AND k.value IN (`+placeholders(len(chunk))+`) ORDER BY k.contact_id`,
				append([]any{string(kind)}, chunk...)...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var value string
				var id int64
				if err := rows.Scan(&value, &id); err != nil {
					rows.Close()
					return nil, mapError(err)
				}
				k := customer.Key{Kind: kind, Value: value}
				out[k] = append(out[k], id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, mapError(err)
			}
		}
	}
	return out, nil
}

// ContactIDsAtCompanies lists live contacts currently at any of the companies.
func (s *Store) ContactIDsAtCompanies(ctx context.Context, companyIDs []int64) ([]int64, error) {
	if len(companyIDs) == 0 {
		return nil, nil
	}
	return s.int64s(ctx, `SELECT DISTINCT p.contact_id FROM positions p
		JOIN contacts c ON c.id = p.contact_id AND c.deleted_at IS NULL
		WHERE p.status = 'current' AND p.company_id IN (`+placeholders(len(companyIDs))+`) ORDER BY p.contact_id`,
		anySlice(companyIDs)...)
}

// MoveContactRecords moves what belongs to contact from onto contact into
// and leaves from as a tombstone merged into into. Every table that refers to
// a contact must be handled here.
func (s *Store) MoveContactRecords(ctx context.Context, from, into int64, at time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		now := s.d.timeArg(at)
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"UPDATE positions SET contact_id = ?, version = version + 1, updated_at = ? WHERE contact_id = ?", []any{into, now, from}},
			{"UPDATE positions SET reports_to_id = ?, version = version + 1, updated_at = ? WHERE reports_to_id = ?", []any{into, now, from}},
			// whoever reported to the merged person and is now the survivor
			// reports to nobody rather than to themselves
			{"UPDATE positions SET reports_to_id = NULL WHERE reports_to_id = contact_id", nil},
			{"DELETE FROM contact_keys WHERE contact_id = ?", []any{from}},
			// the history and purchases of the merged contact are the survivor's
			{"UPDATE events SET contact_id = ? WHERE contact_id = ?", []any{into, from}},
			{"UPDATE orders SET contact_id = ? WHERE contact_id = ?", []any{into, from}},
			{"UPDATE carts SET contact_id = ? WHERE contact_id = ?", []any{into, from}},
			{"UPDATE subscriptions SET contact_id = ? WHERE contact_id = ?", []any{into, from}},
			{"UPDATE contact_identities SET contact_id = ? WHERE contact_id = ?", []any{into, from}},
			// the merged contact's place on deals, unless the survivor has one there already
			{"UPDATE deal_contacts SET contact_id = ? WHERE contact_id = ? AND deal_id NOT IN (SELECT deal_id FROM deal_contacts WHERE contact_id = ?)", []any{into, from, into}},
			{"DELETE FROM deal_contacts WHERE contact_id = ?", []any{from}},
			{"DELETE FROM contact_metrics WHERE contact_id = ?", []any{from}},
			// a lead converted into the merged contact names the survivor; a pool
			// claim on the merged contact ends
			{"UPDATE leads SET contact_id = ? WHERE contact_id = ?", []any{into, from}},
			{"DELETE FROM lead_pool_claims WHERE record_type = 'contact' AND record_id = ?", []any{from}},
			{"UPDATE contacts SET merged_into_id = ?, deleted_at = ?, updated_at = ?, version = version + 1 WHERE id = ?", []any{into, now, now, from}},
		} {
			if _, err := s.exec(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		if err := s.deleteSearch(ctx, "contact_search", []int64{from}); err != nil {
			return err
		}
		if err := s.reindexContacts(ctx, []int64{into}); err != nil {
			return err
		}
		// last: the locks of the figures come after the keys' (lockContacts)
		return s.RefreshContactMetrics(ctx, []int64{into})
	})
}

// MergedInto lists the contacts merged into id, directly or in a chain.
func (s *Store) MergedInto(ctx context.Context, id int64) ([]int64, error) {
	return s.int64s(ctx, `WITH RECURSIVE merged(id) AS (
			SELECT id FROM contacts WHERE merged_into_id = ?
			UNION
			SELECT c.id FROM contacts c JOIN merged m ON c.merged_into_id = m.id
		) SELECT id FROM merged ORDER BY id`, id)
}

// PurgeContacts deletes contacts and what hangs off them, blanks the values
// in their audit history, and forgets the stored replies of idempotent
// requests that show them.
func (s *Store) PurgeContacts(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.forgetRepliesShowing(ctx, ids); err != nil {
			return err
		}
		if err := s.deleteSearch(ctx, "contact_search", ids); err != nil {
			return err
		}
		in := placeholders(len(ids))
		if _, err := s.exec(ctx, "UPDATE audit_log SET changes = '[]' WHERE record_type = 'contact' AND record_id IN ("+in+")", anySlice(ids)...); err != nil {
			return err
		}
		_, err := s.exec(ctx, "DELETE FROM contacts WHERE id IN ("+in+")", anySlice(ids)...)
		return err
	})
}

// ExpiredContacts lists contacts deleted before t, oldest first; merged
// tombstones are not among them.
func (s *Store) ExpiredContacts(ctx context.Context, before time.Time, limit int) ([]int64, error) {
	return s.int64s(ctx, `SELECT id FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < ?
		AND merged_into_id IS NULL ORDER BY deleted_at LIMIT ?`, s.d.timeArg(before), limit)
}

// forgetRepliesShowing deletes the stored replies (idempotency_keys, kept a
// day for retries) that show any of the contacts: those naming their id, or
// holding their display name, an email address or a phone number. A retry
// of a forgotten request runs again instead of replaying; that a reply of
// someone else's namesake goes too is the price of erasing for sure.
func (s *Store) forgetRepliesShowing(ctx context.Context, ids []int64) error {
	cs, err := s.Contacts(ctx, ids)
	if err != nil {
		return err
	}
	var patterns []any
	for _, c := range cs {
		id := strconv.FormatInt(c.ID, 10)
		patterns = append(patterns, `%"id":`+id+`,%`, `%"id":`+id+`}%`)
		values := []string{c.DisplayName}
		for _, e := range c.Emails {
			values = append(values, e.Address)
		}
		for _, p := range c.Phones {
			values = append(values, p.Number)
		}
		for _, v := range values {
			if len([]rune(v)) >= 2 {
				patterns = append(patterns, "%"+escapeLike(v)+"%")
			}
		}
	}
	for start := 0; start < len(patterns); start += 500 {
		chunk := patterns[start:min(len(patterns), start+500)]
		conds := strings.Repeat(`OR `+s.d.bodyText("body")+` LIKE ? ESCAPE '\' `, len(chunk))
		if _, err := s.exec(ctx, "DELETE FROM idempotency_keys WHERE body IS NOT NULL AND ("+conds[3:]+")", chunk...); err != nil {
			return err
		}
	}
	return nil
}
