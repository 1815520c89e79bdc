package customer

import (
	"context"
	"fmt"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// RecordTag is the audit record type of tags.
const RecordTag = "tag"

// ListTags lists every tag with how many records carry it.
func (s *Service) ListTags(ctx context.Context) ([]*Tag, error) {
	const op = "customer.ListTags"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	tags, err := s.store.Tags(ctx)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	return tags, nil
}

// TagNames lists the names of every tag, in order: what a filter or a
// picker offers, without ListTags' counts of the records that carry each,
// which add up every tagged record.
func (s *Service) TagNames(ctx context.Context) ([]string, error) {
	const op = "customer.TagNames"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	names, err := s.store.TagNames(ctx)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	return names, nil
}

// manager returns the principal if it is an admin or a manager, who curate
// the shared tag vocabulary.
func manager(ctx context.Context, op string) (*crm.Principal, error) {
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if p.Role != crm.RoleAdmin && p.Role != crm.RoleManager {
		return nil, crm.Forbidden(op)
	}
	return p, nil
}

func (f *TagFields) validate(v *crm.Violations) {
	// One name, checked as normalizeTags checks each tag of a record, but
	// reported on "name" alone.
	var tv crm.Violations
	tags := normalizeTags("name", []string{f.Name}, &tv)
	switch {
	case !tv.Empty():
		v.Add("name", "invalid_tag", "max", maxTagRunes)
	case len(tags) == 0:
		v.Add("name", "required")
	default:
		f.Name = tags[0]
	}
	f.Color = strings.ToLower(f.Color)
	if f.Color != "" && (len(f.Color) != 7 || f.Color[0] != '#' || strings.Trim(f.Color[1:], "0123456789abcdef") != "") {
		v.Add("color", "invalid_color")
	}
}

// CreateTag adds a tag to the vocabulary. Anyone who may write records may
// (tags are also created on the fly when a record names a new one).
func (s *Service) CreateTag(ctx context.Context, f TagFields) (*Tag, error) {
	const op = "customer.CreateTag"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	f.validate(&v)
	if err := v.Err(op); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	t := &Tag{Name: f.Name, Color: f.Color, CreatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateTag(ctx, t); err != nil {
			return err
		}
		changes, err := crm.Diff(nil, f)
		if err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, now, crm.ActionCreate, RecordTag, t.ID, changes))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return t, nil
}

// UpdateTag renames or recolours a tag; every record carrying it follows.
// Admins and managers only.
func (s *Service) UpdateTag(ctx context.Context, id int64, apply func(*TagFields) error) (*Tag, error) {
	const op = "customer.UpdateTag"
	p, err := manager(ctx, op)
	if err != nil {
		return nil, err
	}
	var out *Tag
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.Tag(ctx, id)
		if err != nil {
			return err
		}
		before := TagFields{Name: cur.Name, Color: cur.Color}
		next := before
		if err := apply(&next); err != nil {
			return err
		}
		var v crm.Violations
		next.validate(&v)
		if err := v.Err(op); err != nil {
			return err
		}
		changes, err := crm.Diff(before, next)
		if err != nil || len(changes) == 0 {
			out = cur
			return err
		}
		updated := *cur
		updated.Name, updated.Color = next.Name, next.Color
		if err := s.store.UpdateTag(ctx, &updated); err != nil {
			return err
		}
		out = &updated
		return s.store.AppendAudit(ctx, s.audit(ctx, p, s.clock.Now(), crm.ActionUpdate, RecordTag, id, changes))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// DeleteTag removes a tag from the vocabulary and from every record.
// Admins and managers only.
func (s *Service) DeleteTag(ctx context.Context, id int64) error {
	const op = "customer.DeleteTag"
	p, err := manager(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.Tag(ctx, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteTag(ctx, id); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, s.clock.Now(), crm.ActionDelete, RecordTag, id,
			[]crm.Change{{Field: "name", From: crm.JSON(cur.Name)}}))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
