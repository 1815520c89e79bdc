package store

import (
	"context"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// ensureTags makes sure tags with these names exist and returns their ids
// by case-folded name.
func (s *Store) ensureTags(ctx context.Context, names []string, at time.Time) (map[string]int64, error) {
	byKey := map[string]string{}
	for _, n := range names {
		k := customer.TagKey(n)
		if _, ok := byKey[k]; !ok {
			byKey[k] = n
		}
	}
	if len(byKey) == 0 {
		return nil, nil
	}
	keys := make([]string, 0, len(byKey))
	var values []any
	for k, n := range byKey {
		keys = append(keys, k)
		values = append(values, n, k, s.d.timeArg(at))
	}
	slices.Sort(keys)
	if _, err := s.exec(ctx, "INSERT INTO tags (name, name_key, created_at) VALUES "+rowsOf(len(byKey), 3)+
		" ON CONFLICT (name_key) DO NOTHING", values...); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT id, name_key FROM tags WHERE name_key IN ("+placeholders(len(keys))+")", anySlice(keys)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make(map[string]int64, len(keys))
	for rows.Next() {
		var id int64
		var k string
		if err := rows.Scan(&id, &k); err != nil {
			return nil, mapError(err)
		}
		ids[k] = id
	}
	return ids, mapError(rows.Err())
}

// addTags links records to tags by name, creating tags that do not exist.
// table is the link table and col its record column.
func (s *Store) addTags(ctx context.Context, table, col string, tagsByRecord map[int64][]string, at time.Time) error {
	var all []string
	for _, names := range tagsByRecord {
		all = append(all, names...)
	}
	ids, err := s.ensureTags(ctx, all, at)
	if err != nil {
		return err
	}
	var rows []any
	for record, names := range tagsByRecord {
		for _, n := range names {
			rows = append(rows, record, ids[customer.TagKey(n)])
		}
	}
	return s.insertRows(ctx, "INSERT INTO "+table+" ("+col+", tag_id) VALUES", 2, rows)
}

// replaceTags sets the tags of one record.
func (s *Store) replaceTags(ctx context.Context, table, col string, id int64, names []string, at time.Time) error {
	if _, err := s.exec(ctx, "DELETE FROM "+table+" WHERE "+col+" = ?", id); err != nil {
		return err
	}
	return s.addTags(ctx, table, col, map[int64][]string{id: names}, at)
}

const tagColumns = `t.id, t.name, t.color, t.created_at,
	(SELECT count(*) FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id AND c.deleted_at IS NULL WHERE ct.tag_id = t.id),
	(SELECT count(*) FROM company_tags ct JOIN companies c ON c.id = ct.company_id AND c.deleted_at IS NULL WHERE ct.tag_id = t.id)`

func scanTag(row rowScanner) (*customer.Tag, error) {
	var t customer.Tag
	if err := row.Scan(&t.ID, &t.Name, &t.Color, timeCol{&t.CreatedAt}, &t.ContactCount, &t.CompanyCount); err != nil {
		return nil, mapError(err)
	}
	return &t, nil
}

// Tags lists every tag by name, with how many live records carry it.
func (s *Store) Tags(ctx context.Context) ([]*customer.Tag, error) {
	return queryAll(ctx, s, scanTag, "SELECT "+tagColumns+" FROM tags t ORDER BY t.name_key")
}

// TagNames lists the tags' names in order.
func (s *Store) TagNames(ctx context.Context) ([]string, error) {
	return queryAll(ctx, s, func(row rowScanner) (string, error) {
		var name string
		err := row.Scan(&name)
		return name, err
	}, "SELECT t.name FROM tags t ORDER BY t.name_key")
}

// Tag reads one tag.
func (s *Store) Tag(ctx context.Context, id int64) (*customer.Tag, error) {
	t, err := scanTag(s.queryRow(ctx, "SELECT "+tagColumns+" FROM tags t WHERE t.id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("tag", id)
	}
	return t, err
}

// CreateTag adds a tag; Conflict when the name is taken.
func (s *Store) CreateTag(ctx context.Context, t *customer.Tag) error {
	err := s.queryRow(ctx, "INSERT INTO tags (name, name_key, color, created_at) VALUES (?, ?, ?, ?) RETURNING id",
		t.Name, customer.TagKey(t.Name), t.Color, s.d.timeArg(t.CreatedAt)).Scan(&t.ID)
	return tagConflict(mapError(err), t.Name)
}

func tagConflict(err error, name string) error {
	if crm.IsKind(err, crm.KindConflict) {
		return crm.E("store.tag", crm.KindConflict, "duplicate_tag").With("name", name)
	}
	return err
}

// UpdateTag renames or recolours a tag. The records carrying it change
// with it, so their versions move (a client holding an old ETag must
// re-read).
func (s *Store) UpdateTag(ctx context.Context, t *customer.Tag) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.exec(ctx, "UPDATE tags SET name = ?, name_key = ?, color = ? WHERE id = ?", t.Name, customer.TagKey(t.Name), t.Color, t.ID)
		if err = tagConflict(err, t.Name); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("tag", t.ID)
		}
		return s.bumpTagged(ctx, t.ID)
	})
}

// DeleteTag removes a tag from the vocabulary and every record.
func (s *Store) DeleteTag(ctx context.Context, id int64) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.bumpTagged(ctx, id); err != nil {
			return err
		}
		res, err := s.exec(ctx, "DELETE FROM tags WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("tag", id)
		}
		return nil
	})
}

// bumpTagged moves the version of every record carrying a tag.
func (s *Store) bumpTagged(ctx context.Context, tagID int64) error {
	if _, err := s.exec(ctx, "UPDATE contacts SET version = version + 1 WHERE id IN (SELECT contact_id FROM contact_tags WHERE tag_id = ?)", tagID); err != nil {
		return err
	}
	_, err := s.exec(ctx, "UPDATE companies SET version = version + 1 WHERE id IN (SELECT company_id FROM company_tags WHERE tag_id = ?)", tagID)
	return err
}
