package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/lead"
)

var _ lead.Store = (*Store)(nil)

// Leads.

const leadColumns = `id, version, name, company_name, title, email, phone, company_size, source, utm_source, utm_medium,
	utm_campaign, utm_term, utm_content, notes, custom, status, disqualify_reason, owner_id, team_id, pool_id, form_id,
	score, score_reasons, scored_at, contact_id, company_id, deal_id, qualified_at, disqualified_at, converted_at,
	created_by, created_at, updated_at`

// leadWidth is the number of leadColumns.
const leadWidth = 34

func scanLead(row rowScanner) (*lead.Lead, error) {
	var l lead.Lead
	var custom, reasons []byte
	err := row.Scan(&l.ID, &l.Version, &l.Name, &l.CompanyName, &l.Title, &l.Email, &l.Phone, &l.CompanySize, &l.Source,
		&l.UTMSource, &l.UTMMedium, &l.UTMCampaign, &l.UTMTerm, &l.UTMContent, &l.Notes, &custom, &l.Status,
		&l.DisqualifyReason, &l.OwnerID, &l.TeamID, &l.PoolID, &l.FormID, &l.Score, &reasons, nullTimeCol{&l.ScoredAt},
		&l.ContactID, &l.CompanyID, &l.DealID, nullTimeCol{&l.QualifiedAt}, nullTimeCol{&l.DisqualifiedAt},
		nullTimeCol{&l.ConvertedAt}, &l.CreatedBy, timeCol{&l.CreatedAt}, timeCol{&l.UpdatedAt})
	if err != nil {
		return nil, mapError(err)
	}
	if err := json.Unmarshal(custom, &l.Custom); err != nil {
		return nil, fmt.Errorf("lead %d: custom: %w", l.ID, err)
	}
	if err := json.Unmarshal(reasons, &l.ScoreReasons); err != nil {
		return nil, fmt.Errorf("lead %d: score_reasons: %w", l.ID, err)
	}
	if l.Custom == nil {
		l.Custom = map[string]any{}
	}
	if l.ScoreReasons == nil {
		l.ScoreReasons = []lead.ScoreReason{}
	}
	return &l, nil
}

// leadValues are the columns of leadColumns after id and version, in order.
func (s *Store) leadValues(l *lead.Lead) ([]any, error) {
	custom := l.Custom
	if custom == nil {
		custom = map[string]any{}
	}
	c, err := json.Marshal(custom)
	if err != nil {
		return nil, err
	}
	reasons := l.ScoreReasons
	if reasons == nil {
		reasons = []lead.ScoreReason{}
	}
	r, err := json.Marshal(reasons)
	if err != nil {
		return nil, err
	}
	return []any{l.Name, l.CompanyName, l.Title, l.Email, l.Phone, l.CompanySize, l.Source, l.UTMSource, l.UTMMedium,
		l.UTMCampaign, l.UTMTerm, l.UTMContent, l.Notes, string(c), l.Status, l.DisqualifyReason, l.OwnerID, l.TeamID,
		l.PoolID, l.FormID, l.Score, string(r), s.nullTimeArg(l.ScoredAt), l.ContactID, l.CompanyID, l.DealID,
		s.nullTimeArg(l.QualifiedAt), s.nullTimeArg(l.DisqualifiedAt), s.nullTimeArg(l.ConvertedAt), l.CreatedBy,
		s.d.timeArg(l.CreatedAt), s.d.timeArg(l.UpdatedAt)}, nil
}

// leadUpdateColumns are the columns UpdateLead may change, as leadValues
// orders them (created_by and created_at never change; updated_at is set
// apart).
var leadUpdateColumns = columnList(`name, company_name, title, email, phone, company_size, source, utm_source, utm_medium,
	utm_campaign, utm_term, utm_content, notes, custom, status, disqualify_reason, owner_id, team_id, pool_id, form_id,
	score, score_reasons, scored_at, contact_id, company_id, deal_id, qualified_at, disqualified_at, converted_at`)

// CreateLeads inserts leads.
func (s *Store) CreateLeads(ctx context.Context, leads []*lead.Lead) error {
	if len(leads) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		ids, err := s.d.allocIDs(ctx, s.writer(ctx), "leads", len(leads))
		if err != nil {
			return mapError(err)
		}
		values := make([]any, 0, len(leads)*leadWidth)
		for i, l := range leads {
			l.ID, l.Version = ids[i], 1
			v, err := s.leadValues(l)
			if err != nil {
				return err
			}
			values = append(append(values, l.ID, l.Version), v...)
		}
		return s.insertRows(ctx, "INSERT INTO leads ("+leadColumns+") VALUES", leadWidth, values)
	})
}

// Lead reads a lead.
func (s *Store) Lead(ctx context.Context, id int64) (*lead.Lead, error) {
	l, err := scanLead(s.queryRow(ctx, "SELECT "+leadColumns+" FROM leads WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("lead", id)
	}
	return l, err
}

// UpdateLead saves the columns of next that differ from old, if old's
// version is current.
func (s *Store) UpdateLead(ctx context.Context, old, next *lead.Lead) error {
	n := len(leadUpdateColumns)
	before, err := s.leadValues(old)
	if err != nil {
		return err
	}
	after, err := s.leadValues(next)
	if err != nil {
		return err
	}
	set, args := changedColumns(leadUpdateColumns, before[:n], after[:n])
	args = append(args, s.d.timeArg(next.UpdatedAt), next.ID, old.Version)
	res, err := s.exec(ctx, "UPDATE leads SET version = version + 1"+set+", updated_at = ? WHERE id = ? AND version = ?", args...)
	if err := s.checkUpdated(ctx, res, err, "leads", "lead", next.ID); err != nil {
		return err
	}
	next.Version = old.Version + 1
	return nil
}

// DeleteLead deletes a lead.
func (s *Store) DeleteLead(ctx context.Context, id int64) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		// Activities name a lead by record_id alone (no foreign key: the
		// tables of leads and activities came apart); they go with it.
		if _, err := s.exec(ctx, "DELETE FROM activities WHERE record_type = 'lead' AND record_id = ?", id); err != nil {
			return err
		}
		_, err := s.exec(ctx, "DELETE FROM leads WHERE id = ?", id)
		return err
	})
}

// ListLeads lists leads newest first.
func (s *Store) ListLeads(ctx context.Context, q lead.LeadQuery) (crm.Page[*lead.Lead], error) {
	where, args := dealScope(q.Scope, "") // the same ownership columns as deals
	for _, f := range []struct {
		col string
		id  int64
	}{{"owner_id", q.OwnerID}, {"team_id", q.TeamID}, {"form_id", q.FormID}} {
		if f.id != 0 {
			where, args = append(where, f.col+" = ?"), append(args, f.id)
		}
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, q.Status)
	}
	if q.Source != "" {
		where, args = append(where, "source = ?"), append(args, q.Source)
	}
	if q.Q != "" {
		cond, condArgs := leadSearch(q)
		where, args = append(where, cond), append(args, condArgs...)
	}
	return newestFirst(ctx, s, "SELECT "+leadColumns+" FROM leads", "created_at", where, args, q.Cursor, q.Limit, scanLead,
		func(l *lead.Lead) timeCursor { return timeCursor{l.CreatedAt, l.ID} })
}

// leadSearch is the condition that a lead matches a search: the text a
// substring of its name, company or email, or the phone forms the service
// read from it in its phone. It filters the list's newest-first walk rather
// than looking anything up: LIKE '%…%' can use no index, and a page stops
// at its limit.
//
// lower() on both sides folds the same letters on either engine (SQLite's
// lower() folds ASCII alone, PostgreSQL's every letter of the database's
// LC_CTYPE); the CAST gives PostgreSQL's lower() a text to choose its
// overload by.
func leadSearch(q lead.LeadQuery) (string, []any) {
	text := "%" + likeEscape(q.Q) + "%"
	var conds []string
	var args []any
	for _, col := range []string{"name", "company_name", "email"} {
		conds, args = append(conds, "lower("+col+`) LIKE lower(CAST(? AS TEXT)) ESCAPE '\'`), append(args, text)
	}
	// The phone forms are digits and "+" alone: nothing to escape. A stored
	// phone is E.164, "+" and digits (then ";ext=…").
	if q.PhoneDigits != "" {
		conds, args = append(conds, "phone LIKE ?"), append(args, "%"+q.PhoneDigits+"%")
	}
	if q.PhonePrefix != "" {
		conds, args = append(conds, "phone LIKE ?"), append(args, q.PhonePrefix+"%")
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// OpenLeads reads new and qualified leads in id order.
func (s *Store) OpenLeads(ctx context.Context, after int64, limit int) ([]*lead.Lead, error) {
	return s.leads(ctx, "WHERE status IN ('new', 'qualified') AND id > ? ORDER BY id LIMIT ?", after, limit)
}

func (s *Store) leads(ctx context.Context, where string, args ...any) ([]*lead.Lead, error) {
	rows, err := s.query(ctx, "SELECT "+leadColumns+" FROM leads "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*lead.Lead
	for rows.Next() {
		l, err := scanLead(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, mapError(rows.Err())
}

// SetLeadScores saves computed scores; the leads keep their versions.
func (s *Store) SetLeadScores(ctx context.Context, scores []lead.Score) error {
	if len(scores) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		for _, sc := range scores {
			reasons := sc.Reasons
			if reasons == nil {
				reasons = []lead.ScoreReason{}
			}
			raw, err := json.Marshal(reasons)
			if err != nil {
				return err
			}
			if _, err := s.exec(ctx, "UPDATE leads SET score = ?, score_reasons = ?, scored_at = ? WHERE id = ?",
				sc.Score, string(raw), s.d.timeArg(sc.At), sc.LeadID); err != nil {
				return err
			}
		}
		return nil
	})
}

// LeadContacts maps leads to the live contacts with their email or phone,
// and to the contacts their conversions made.
func (s *Store) LeadContacts(ctx context.Context, leads []*lead.Lead) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	var keys []contactKey
	for _, l := range leads {
		if l.Email != "" {
			keys = append(keys, contactKey{"email", l.Email})
		}
		if l.Phone != "" {
			keys = append(keys, contactKey{"phone", l.Phone})
		}
		if l.ContactID != nil {
			out[l.ID] = append(out[l.ID], *l.ContactID)
		}
	}
	found, err := s.liveContactsByKey(ctx, keys, 0, 0)
	if err != nil {
		return nil, err
	}
	for _, l := range leads {
		for _, k := range []contactKey{{"email", l.Email}, {"phone", l.Phone}} {
			for _, c := range found[k] {
				out[l.ID] = append(out[l.ID], c.id)
			}
		}
		out[l.ID] = slices.Compact(slices.Sorted(slices.Values(out[l.ID])))
	}
	return out, nil
}

type contactKey struct{ kind, value string }

type keyedContact struct{ id, owner int64 }

// liveContactsByKey finds live contacts by email and phone keys; with
// exceptOwner set, only those owned by someone else (and not exceptID).
func (s *Store) liveContactsByKey(ctx context.Context, keys []contactKey, exceptOwner, exceptID int64) (map[contactKey][]keyedContact, error) {
	out := map[contactKey][]keyedContact{}
	keys = slices.Compact(slices.SortedFunc(slices.Values(keys), func(a, b contactKey) int {
		return strings.Compare(a.kind+"\x00"+a.value, b.kind+"\x00"+b.value)
	}))
	for start := 0; start < len(keys); start += 400 {
		chunk := keys[start:min(len(keys), start+400)]
		conds := make([]string, len(chunk))
		var args []any
		for i, k := range chunk {
			conds[i] = "(k.kind = ? AND k.value = ?)"
			args = append(args, k.kind, k.value)
		}
		query := `SELECT k.kind, k.value, c.id, COALESCE(c.owner_id, 0) FROM contact_keys k JOIN contacts c ON c.id = k.contact_id
			WHERE c.deleted_at IS NULL AND c.merged_into_id IS NULL AND (` + strings.Join(conds, " OR ") + ")"
		if exceptOwner != 0 {
			query += " AND c.owner_id IS NOT NULL AND c.owner_id <> ? AND c.id <> ?"
			args = append(args, exceptOwner, exceptID)
		}
		rows, err := s.query(ctx, query+" ORDER BY c.id", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k contactKey
			var c keyedContact
			if err := rows.Scan(&k.kind, &k.value, &c.id, &c.owner); err != nil {
				rows.Close()
				return nil, mapError(err)
			}
			out[k] = append(out[k], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
	}
	return out, nil
}

// CountLeadEvents counts, per contact, the events a behaviour rule matches.
// The property's text is compared lower-cased on both engines (SQLite's LIKE
// ignores ASCII case, PostgreSQL's does not).
func (s *Store) CountLeadEvents(ctx context.Context, contactIDs []int64, rule lead.BehaviourRule, since time.Time) (map[int64]int64, error) {
	out := map[int64]int64{}
	for start := 0; start < len(contactIDs); start += 500 {
		chunk := contactIDs[start:min(len(contactIDs), start+500)]
		query := "SELECT contact_id, count(*) FROM events WHERE contact_id IN (" + placeholders(len(chunk)) + ") AND type = ?"
		args := append(anySlice(chunk), rule.EventType)
		if !since.IsZero() {
			query, args = query+" AND occurred_at >= ?", append(args, s.d.timeArg(since))
		}
		if rule.Property != "" && rule.Contains != "" {
			// The property name is checked by lead (lower-case letters,
			// digits and _), so it can be spelled into the path.
			query += " AND lower(" + s.d.jsonText("properties", rule.Property) + `) LIKE ? ESCAPE '\'`
			args = append(args, "%"+likeEscape(strings.ToLower(rule.Contains))+"%")
		}
		rows, err := s.query(ctx, query+" GROUP BY contact_id", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, n int64
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, mapError(err)
			}
			out[id] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
	}
	return out, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Pools.

const poolColumns = "id, version, name, team_id, claim_cap, recycle_days, protection_days, collision_policy, created_at, updated_at"

func scanPool(row rowScanner) (*lead.Pool, error) {
	var p lead.Pool
	err := row.Scan(&p.ID, &p.Version, &p.Name, &p.TeamID, &p.ClaimCap, &p.RecycleDays, &p.ProtectionDays, &p.CollisionPolicy,
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	if err != nil {
		return nil, mapError(err)
	}
	p.Default = p.TeamID == nil
	return &p, nil
}

// CreateLeadPool inserts a pool.
func (s *Store) CreateLeadPool(ctx context.Context, p *lead.Pool) error {
	err := s.queryRow(ctx, `INSERT INTO lead_pools (version, name, team_id, claim_cap, recycle_days, protection_days, collision_policy,
		created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.Name, p.TeamID, p.ClaimCap, p.RecycleDays,
		p.ProtectionDays, p.CollisionPolicy, s.d.timeArg(p.CreatedAt), s.d.timeArg(p.UpdatedAt)).Scan(&p.ID)
	if err != nil {
		return mapError(err)
	}
	p.Version = 1
	return nil
}

// LeadPool reads a pool.
func (s *Store) LeadPool(ctx context.Context, id int64) (*lead.Pool, error) {
	p, err := scanPool(s.queryRow(ctx, "SELECT "+poolColumns+" FROM lead_pools WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("pool", id)
	}
	return p, err
}

// LeadPools reads every pool, the default one first.
func (s *Store) LeadPools(ctx context.Context) ([]*lead.Pool, error) {
	return queryAll(ctx, s, scanPool, "SELECT "+poolColumns+" FROM lead_pools ORDER BY CASE WHEN team_id IS NULL THEN 0 ELSE 1 END, id")
}

// UpdateLeadPool saves a pool's settings.
func (s *Store) UpdateLeadPool(ctx context.Context, old, next *lead.Pool) error {
	res, err := s.exec(ctx, `UPDATE lead_pools SET version = version + 1, name = ?, claim_cap = ?, recycle_days = ?, protection_days = ?,
		collision_policy = ?, updated_at = ? WHERE id = ? AND version = ?`, next.Name, next.ClaimCap, next.RecycleDays,
		next.ProtectionDays, next.CollisionPolicy, s.d.timeArg(next.UpdatedAt), old.ID, old.Version)
	if err := s.checkUpdated(ctx, res, err, "lead_pools", "pool", old.ID); err != nil {
		return err
	}
	next.Version = old.Version + 1
	return nil
}

// DeleteLeadPool deletes a pool: its leads and forms name no pool (SET
// NULL), its claims go (CASCADE).
func (s *Store) DeleteLeadPool(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, "DELETE FROM lead_pools WHERE id = ?", id)
	return err
}

// poolMembership is the condition that a record without an owner, with
// columns team_id (and pool_id, for leads) under alias, sits in a pool:
// the pool it names, else its team's, else the default pool.
func poolMembership(q lead.PoolQuery, alias string, hasPoolColumn bool) (string, []any) {
	var cond string
	var args []any
	if q.Pool.TeamID != nil {
		cond, args = alias+"team_id = ?", []any{*q.Pool.TeamID}
	} else {
		cond = alias + "team_id IS NULL"
		if len(q.TeamPools) > 0 {
			cond = "(" + cond + " OR " + alias + "team_id NOT IN (" + placeholders(len(q.TeamPools)) + "))"
			args = anySlice(q.TeamPools)
		}
	}
	if !hasPoolColumn {
		return cond, args
	}
	return "(" + alias + "pool_id = ? OR (" + alias + "pool_id IS NULL AND " + cond + "))", append([]any{q.Pool.ID}, args...)
}

// PoolLeads lists a pool's open leads without an owner, newest first.
func (s *Store) PoolLeads(ctx context.Context, q lead.PoolQuery) (crm.Page[*lead.Lead], error) {
	member, args := poolMembership(q, "", true)
	where := []string{"owner_id IS NULL", "status IN ('new', 'qualified')", member}
	return newestFirst(ctx, s, "SELECT "+leadColumns+" FROM leads", "created_at", where, args, q.Cursor, q.Limit, scanLead,
		func(l *lead.Lead) timeCursor { return timeCursor{l.CreatedAt, l.ID} })
}

const poolContactColumns = "id, display_name, lifecycle_stage, team_id, owner_id, created_at, updated_at"

func scanPoolContact(row rowScanner) (*lead.PoolContact, error) {
	var c lead.PoolContact
	err := row.Scan(&c.ID, &c.DisplayName, &c.LifecycleStage, &c.TeamID, &c.OwnerID, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if err != nil {
		return nil, mapError(err)
	}
	c.Companies, c.Live = []string{}, true
	return &c, nil
}

// PoolContacts lists a pool's live contacts without an owner, newest
// first.
func (s *Store) PoolContacts(ctx context.Context, q lead.PoolQuery) (crm.Page[*lead.PoolContact], error) {
	member, args := poolMembership(q, "", false)
	where := []string{"owner_id IS NULL", "deleted_at IS NULL", "merged_into_id IS NULL", member}
	page, err := newestFirst(ctx, s, "SELECT "+poolContactColumns+" FROM contacts", "created_at", where, args, q.Cursor, q.Limit,
		scanPoolContact, func(c *lead.PoolContact) timeCursor { return timeCursor{c.CreatedAt, c.ID} })
	if err != nil {
		return page, err
	}
	return page, s.poolContactCompanies(ctx, page.Items)
}

// poolContactCompanies reads the companies the contacts work at now.
func (s *Store) poolContactCompanies(ctx context.Context, cs []*lead.PoolContact) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[int64]*lead.PoolContact, len(cs))
	ids := make([]int64, len(cs))
	for i, c := range cs {
		byID[c.ID], ids[i] = c, c.ID
	}
	rows, err := s.query(ctx, `SELECT p.contact_id, co.id, co.name FROM positions p JOIN companies co ON co.id = p.company_id
		WHERE p.status = 'current' AND co.deleted_at IS NULL AND p.contact_id IN (`+placeholders(len(ids))+`)
		ORDER BY p.contact_id, p.id`, anySlice(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var contactID, companyID int64
		var name string
		if err := rows.Scan(&contactID, &companyID, &name); err != nil {
			return mapError(err)
		}
		c := byID[contactID]
		c.Companies, c.CompanyIDs = append(c.Companies, name), append(c.CompanyIDs, companyID)
	}
	return mapError(rows.Err())
}

// PoolContact reads what a pool needs of a contact: who, whose, its keys
// and companies.
func (s *Store) PoolContact(ctx context.Context, id int64) (*lead.PoolContact, error) {
	var c lead.PoolContact
	var live bool
	err := s.queryRow(ctx, "SELECT "+poolContactColumns+", deleted_at IS NULL AND merged_into_id IS NULL FROM contacts WHERE id = ?", id).
		Scan(&c.ID, &c.DisplayName, &c.LifecycleStage, &c.TeamID, &c.OwnerID, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, &live)
	if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("contact", id)
	} else if err != nil {
		return nil, err
	}
	c.Live, c.Companies = live, []string{}
	rows, err := s.query(ctx, "SELECT kind, value FROM contact_keys WHERE contact_id = ? ORDER BY kind, value", id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var kind, value string
		if err := rows.Scan(&kind, &value); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		switch kind {
		case "email":
			c.Emails = append(c.Emails, value)
		case "phone":
			c.Phones = append(c.Phones, value)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	return &c, s.poolContactCompanies(ctx, []*lead.PoolContact{&c})
}

// SetContactOwner changes a live contact's owner if it is still from: the
// pool's compare-and-set, so two reps cannot both claim one contact.
func (s *Store) SetContactOwner(ctx context.Context, id int64, from, to *int64, at time.Time) (bool, error) {
	query := "UPDATE contacts SET version = version + 1, owner_id = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL AND merged_into_id IS NULL"
	args := []any{to, s.d.timeArg(at), id}
	if from == nil {
		query += " AND owner_id IS NULL"
	} else {
		query, args = query+" AND owner_id = ?", append(args, *from)
	}
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, mapError(err)
}

// Claims.

const claimColumns = "id, record_type, record_id, pool_id, user_id, status, claimed_at, followed_up_at, collisions, decided_by, decided_at"

func scanClaim(row rowScanner) (*lead.Claim, error) {
	var c lead.Claim
	var collisions []byte
	err := row.Scan(&c.ID, &c.RecordType, &c.RecordID, &c.PoolID, &c.UserID, &c.Status, timeCol{&c.ClaimedAt},
		nullTimeCol{&c.FollowedUpAt}, &collisions, &c.DecidedBy, nullTimeCol{&c.DecidedAt})
	if err != nil {
		return nil, mapError(err)
	}
	if err := json.Unmarshal(collisions, &c.Collisions); err != nil {
		return nil, fmt.Errorf("claim %d: collisions: %w", c.ID, err)
	}
	if c.Collisions == nil {
		c.Collisions = []lead.Collision{}
	}
	return &c, nil
}

// LockPoolClaimant serialises one user's claims (a no-op on SQLite, whose
// one writer does it anyway).
func (s *Store) LockPoolClaimant(ctx context.Context, userID int64) error {
	return mapError(s.d.lockKeys(ctx, s.writer(ctx), []string{fmt.Sprintf("pool-claimant:%d", userID)}))
}

// PoolClaimOf reads the claim on a record.
func (s *Store) PoolClaimOf(ctx context.Context, recordType string, recordID int64) (*lead.Claim, error) {
	c, err := scanClaim(s.queryRow(ctx, "SELECT "+claimColumns+" FROM lead_pool_claims WHERE record_type = ? AND record_id = ?", recordType, recordID))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("claim", recordID)
	}
	return c, err
}

// PoolClaim reads a claim.
func (s *Store) PoolClaim(ctx context.Context, id int64) (*lead.Claim, error) {
	c, err := scanClaim(s.queryRow(ctx, "SELECT "+claimColumns+" FROM lead_pool_claims WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("claim", id)
	}
	return c, err
}

// PoolClaims lists claims, oldest first.
func (s *Store) PoolClaims(ctx context.Context, q lead.ClaimQuery) ([]*lead.Claim, error) {
	var where []string
	var args []any
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, q.Status)
	}
	if q.UserID != 0 {
		where, args = append(where, "user_id = ?"), append(args, q.UserID)
	}
	if q.PoolIDs != nil {
		if len(q.PoolIDs) == 0 {
			return []*lead.Claim{}, nil
		}
		where, args = append(where, "pool_id IN ("+placeholders(len(q.PoolIDs))+")"), append(args, anySlice(q.PoolIDs)...)
	}
	query := "SELECT " + claimColumns + " FROM lead_pool_claims"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	return queryAll(ctx, s, scanClaim, query+" ORDER BY claimed_at, id LIMIT ?", append(args, max(q.Limit, 1))...)
}

// CountPoolClaims counts a user's claims in a pool.
func (s *Store) CountPoolClaims(ctx context.Context, poolID, userID int64) (int64, error) {
	var n int64
	err := s.queryRow(ctx, "SELECT count(*) FROM lead_pool_claims WHERE pool_id = ? AND user_id = ?", poolID, userID).Scan(&n)
	return n, mapError(err)
}

// InsertPoolClaim stores a claim. A record holds one claim: a second is a
// Conflict, found without a failed statement (which would abort a
// PostgreSQL transaction).
func (s *Store) InsertPoolClaim(ctx context.Context, c *lead.Claim) error {
	collisions := c.Collisions
	if collisions == nil {
		collisions = []lead.Collision{}
	}
	raw, err := json.Marshal(collisions)
	if err != nil {
		return err
	}
	err = s.queryRow(ctx, `INSERT INTO lead_pool_claims (record_type, record_id, pool_id, user_id, status, claimed_at, followed_up_at,
		collisions, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (record_type, record_id) DO NOTHING RETURNING id`, c.RecordType, c.RecordID, c.PoolID, c.UserID, c.Status,
		s.d.timeArg(c.ClaimedAt), s.nullTimeArg(c.FollowedUpAt), string(raw), c.DecidedBy, s.nullTimeArg(c.DecidedAt)).Scan(&c.ID)
	if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
		return crm.E("store", crm.KindConflict, "claim_pending").With("record_type", c.RecordType).With("record_id", c.RecordID)
	}
	return err
}

// ActivatePoolClaim makes a pending claim active, from now.
func (s *Store) ActivatePoolClaim(ctx context.Context, id int64, decidedBy *int64, at time.Time) error {
	res, err := s.exec(ctx, "UPDATE lead_pool_claims SET status = 'active', claimed_at = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
		s.d.timeArg(at), decidedBy, s.d.timeArg(at), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapError(err)
	} else if n != 1 {
		return crm.E("store", crm.KindConflict, "claim_not_pending")
	}
	return nil
}

// DeletePoolClaim deletes a claim.
func (s *Store) DeletePoolClaim(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, "DELETE FROM lead_pool_claims WHERE id = ?", id)
	return err
}

// DeletePoolClaimOf deletes the claim on a record, if any.
func (s *Store) DeletePoolClaimOf(ctx context.Context, recordType string, recordID int64) error {
	_, err := s.exec(ctx, "DELETE FROM lead_pool_claims WHERE record_type = ? AND record_id = ?", recordType, recordID)
	return err
}

// NotePoolFollowUp moves an active claim's last follow-up forward.
func (s *Store) NotePoolFollowUp(ctx context.Context, recordType string, recordID int64, at time.Time) (bool, error) {
	t := s.d.timeArg(at)
	res, err := s.exec(ctx, `UPDATE lead_pool_claims SET followed_up_at = ? WHERE record_type = ? AND record_id = ? AND status = 'active'
		AND (followed_up_at IS NULL OR followed_up_at < ?)`, t, recordType, recordID, t)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, mapError(err)
}

// DuePoolClaims lists a pool's active claims last worked at or before t:
// claimed then or earlier, and followed up (if ever) then or earlier.
func (s *Store) DuePoolClaims(ctx context.Context, poolID int64, t time.Time, limit int) ([]*lead.Claim, error) {
	at := s.d.timeArg(t)
	rows, err := s.query(ctx, "SELECT "+claimColumns+` FROM lead_pool_claims WHERE pool_id = ? AND status = 'active'
		AND claimed_at <= ? AND (followed_up_at IS NULL OR followed_up_at <= ?) ORDER BY claimed_at, id LIMIT ?`, poolID, at, at, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*lead.Claim
	for rows.Next() {
		c, err := scanClaim(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// LastPoolReturn is when a record last went back to a pool from a user.
func (s *Store) LastPoolReturn(ctx context.Context, recordType string, recordID, userID int64) (*time.Time, error) {
	var t *time.Time
	err := s.queryRow(ctx, "SELECT max(returned_at) FROM lead_pool_returns WHERE record_type = ? AND record_id = ? AND user_id = ?",
		recordType, recordID, userID).Scan(nullTimeCol{&t})
	return t, mapError(err)
}

// AddPoolReturn records a record going back to a pool.
func (s *Store) AddPoolReturn(ctx context.Context, r lead.Return) error {
	_, err := s.exec(ctx, "INSERT INTO lead_pool_returns (record_type, record_id, user_id, reason, returned_at) VALUES (?, ?, ?, ?, ?)",
		r.RecordType, r.RecordID, r.UserID, r.Reason, s.d.timeArg(r.At))
	return err
}

// PoolCollisions finds other reps' live contacts (by email and phone),
// open leads (by email, phone and company name) and companies (by name,
// domain, or being the claimed contact's) that match.
func (s *Store) PoolCollisions(ctx context.Context, q lead.CollisionQuery) ([]lead.Collision, error) {
	var out []lead.Collision
	var keys []contactKey
	for _, e := range q.Emails {
		keys = append(keys, contactKey{"email", e})
	}
	for _, p := range q.Phones {
		keys = append(keys, contactKey{"phone", p})
	}
	if len(keys) > 0 {
		found, err := s.liveContactsByKey(ctx, keys, q.ExceptUser, q.ExceptContact)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			for _, c := range found[k] {
				out = append(out, lead.Collision{RecordType: lead.RecordContact, RecordID: c.id, OwnerID: c.owner, Field: k.kind})
			}
		}
	}

	// Leads: the first of email, phone, company that matches names the
	// field.
	var conds []string
	var args, caseArgs []any
	field := "CASE"
	if len(q.Emails) > 0 {
		in := "email IN (" + placeholders(len(q.Emails)) + ")"
		conds, args = append(conds, in), append(args, anySlice(q.Emails)...)
		field, caseArgs = field+" WHEN "+in+" THEN 'email'", append(caseArgs, anySlice(q.Emails)...)
	}
	if len(q.Phones) > 0 {
		in := "phone IN (" + placeholders(len(q.Phones)) + ")"
		conds, args = append(conds, in), append(args, anySlice(q.Phones)...)
		field, caseArgs = field+" WHEN "+in+" THEN 'phone'", append(caseArgs, anySlice(q.Phones)...)
	}
	if len(q.CompanyNames) > 0 {
		conds, args = append(conds, "company_name <> '' AND lower(company_name) IN ("+placeholders(len(q.CompanyNames))+")"), append(args, anySlice(q.CompanyNames)...)
	}
	if field == "CASE" {
		field = "'company'"
	} else {
		field += " ELSE 'company' END"
	}
	if len(conds) > 0 {
		query := "SELECT id, owner_id, " + field + " FROM leads WHERE owner_id IS NOT NULL AND owner_id <> ? AND id <> ?" +
			" AND status IN ('new', 'qualified') AND (" + strings.Join(conds, " OR ") + ") ORDER BY id"
		rows, err := s.query(ctx, query, append(append(caseArgs, q.ExceptUser, q.ExceptLead), args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c := lead.Collision{RecordType: lead.RecordLead}
			if err := rows.Scan(&c.RecordID, &c.OwnerID, &c.Field); err != nil {
				rows.Close()
				return nil, mapError(err)
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
	}

	// Companies.
	conds, args = nil, nil
	if len(q.CompanyNames) > 0 {
		conds, args = append(conds, "lower(name) IN ("+placeholders(len(q.CompanyNames))+")"), append(args, anySlice(q.CompanyNames)...)
	}
	if len(q.Domains) > 0 {
		conds, args = append(conds, "domain IN ("+placeholders(len(q.Domains))+")"), append(args, anySlice(q.Domains)...)
	}
	if len(q.CompanyIDs) > 0 {
		conds, args = append(conds, "id IN ("+placeholders(len(q.CompanyIDs))+")"), append(args, anySlice(q.CompanyIDs)...)
	}
	if len(conds) > 0 {
		rows, err := s.query(ctx, "SELECT id, owner_id FROM companies WHERE deleted_at IS NULL AND owner_id IS NOT NULL AND owner_id <> ? AND ("+
			strings.Join(conds, " OR ")+") ORDER BY id", append([]any{q.ExceptUser}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c := lead.Collision{RecordType: lead.RecordCompany, Field: "company"}
			if err := rows.Scan(&c.RecordID, &c.OwnerID); err != nil {
				rows.Close()
				return nil, mapError(err)
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

// Web forms.

const formColumns = "id, version, slug, name, title, intro, fields, default_source, pool_id, thank_you, redirect_url, disabled, created_at, updated_at"

func scanForm(row rowScanner) (*lead.Form, error) {
	var f lead.Form
	var fields []byte
	err := row.Scan(&f.ID, &f.Version, &f.Slug, &f.Name, &f.Title, &f.Intro, &fields, &f.DefaultSource, &f.PoolID, &f.ThankYou,
		&f.RedirectURL, &f.Disabled, timeCol{&f.CreatedAt}, timeCol{&f.UpdatedAt})
	if err != nil {
		return nil, mapError(err)
	}
	if err := json.Unmarshal(fields, &f.Fields); err != nil {
		return nil, fmt.Errorf("form %d: fields: %w", f.ID, err)
	}
	if f.Fields == nil {
		f.Fields = []lead.FormField{}
	}
	return &f, nil
}

func formFieldsJSON(f *lead.Form) (string, error) {
	fields := f.Fields
	if fields == nil {
		fields = []lead.FormField{}
	}
	raw, err := json.Marshal(fields)
	return string(raw), err
}

// CreateLeadForm inserts a form.
func (s *Store) CreateLeadForm(ctx context.Context, f *lead.Form) error {
	fields, err := formFieldsJSON(f)
	if err != nil {
		return err
	}
	err = s.queryRow(ctx, `INSERT INTO lead_forms (version, slug, name, title, intro, fields, default_source, pool_id, thank_you,
		redirect_url, disabled, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		f.Slug, f.Name, f.Title, f.Intro, fields, f.DefaultSource, f.PoolID, f.ThankYou, f.RedirectURL, f.Disabled,
		s.d.timeArg(f.CreatedAt), s.d.timeArg(f.UpdatedAt)).Scan(&f.ID)
	if err != nil {
		return mapError(err)
	}
	f.Version = 1
	return nil
}

// LeadForm reads a form.
func (s *Store) LeadForm(ctx context.Context, id int64) (*lead.Form, error) {
	f, err := scanForm(s.queryRow(ctx, "SELECT "+formColumns+" FROM lead_forms WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("form", id)
	}
	return f, err
}

// LeadFormBySlug reads a form by its slug.
func (s *Store) LeadFormBySlug(ctx context.Context, slug string) (*lead.Form, error) {
	f, err := scanForm(s.queryRow(ctx, "SELECT "+formColumns+" FROM lead_forms WHERE slug = ?", slug))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("form", slug)
	}
	return f, err
}

// LeadForms lists every form by slug.
func (s *Store) LeadForms(ctx context.Context) ([]*lead.Form, error) {
	return queryAll(ctx, s, scanForm, "SELECT "+formColumns+" FROM lead_forms ORDER BY slug")
}

// UpdateLeadForm saves a form.
func (s *Store) UpdateLeadForm(ctx context.Context, old, next *lead.Form) error {
	fields, err := formFieldsJSON(next)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE lead_forms SET version = version + 1, slug = ?, name = ?, title = ?, intro = ?, fields = ?,
		default_source = ?, pool_id = ?, thank_you = ?, redirect_url = ?, disabled = ?, updated_at = ? WHERE id = ? AND version = ?`,
		next.Slug, next.Name, next.Title, next.Intro, fields, next.DefaultSource, next.PoolID, next.ThankYou, next.RedirectURL,
		next.Disabled, s.d.timeArg(next.UpdatedAt), old.ID, old.Version)
	if err := s.checkUpdated(ctx, res, err, "lead_forms", "form", old.ID); err != nil {
		return err
	}
	next.Version = old.Version + 1
	return nil
}

// DeleteLeadForm deletes a form; its leads keep no link to it (SET NULL).
func (s *Store) DeleteLeadForm(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, "DELETE FROM lead_forms WHERE id = ?", id)
	return err
}
