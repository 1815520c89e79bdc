package activity

import (
	"context"
	"slices"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// RecordRef is what a list of activities shows of the record one hangs
// on: its name, and the owner and team that decide who may see that name.
type RecordRef struct {
	// ID is the record named: for a merged contact, the contact it was
	// merged into.
	ID   int64
	Name string
	// OwnerID and TeamID decide who may read it.
	OwnerID, TeamID *int64
	// Deleted is set for a record in the trash.
	Deleted bool
}

// RecordKey identifies the record an activity hangs on.
type RecordKey struct {
	Type string
	ID   int64
}

// KeyOf is the record an activity hangs on.
func KeyOf(a *Activity) RecordKey { return RecordKey{Type: a.RecordType, ID: a.RecordID} }

// RecordNames returns the names of the records a page of activities hangs
// on, for the records the caller may read (crm.Principal.ReadsRecord, as
// for a record's activities). A record the caller may not read, one in the
// trash and one that is gone have no name: a list shows their kind alone,
// so that being given a task on a record never tells its name to someone
// who may not see the record. A contact merged into another is named as
// the survivor, whose activities it now shares.
//
// The store is asked once per record type, however long the page.
func (s *Service) RecordNames(ctx context.Context, list []*Activity) (map[RecordKey]string, error) {
	const op = "activity.RecordNames"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	idsOf := map[string][]int64{}
	for _, a := range list {
		if _, ok := s.records[a.RecordType]; ok {
			idsOf[a.RecordType] = append(idsOf[a.RecordType], a.RecordID)
		}
	}
	names := make(map[RecordKey]string)
	for _, typ := range s.records.types() {
		ids := idsOf[typ]
		if len(ids) == 0 {
			continue
		}
		slices.Sort(ids)
		refs, err := s.store.RecordRefs(ctx, typ, slices.Compact(ids))
		if err != nil {
			return nil, crm.Wrap(op, err)
		}
		for id, ref := range refs {
			if !ref.Deleted && ref.Name != "" && p.ReadsRecord(ref.OwnerID, ref.TeamID) {
				names[RecordKey{Type: typ, ID: id}] = ref.Name
			}
		}
	}
	return names, nil
}
