package customer

import (
	"context"
	"fmt"
	"slices"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// The directory: how other capabilities (events, orders) find the contacts
// their records belong to and check what the actor may do with them.

// WritableContacts resolves contact ids, following merges to the surviving
// contact, and checks that the actor may change each: for each id the live
// contact's id, or the error refusing it (NotFound for unknown and deleted
// contacts, Forbidden). It reads the contacts a batch at a time: an ingest
// of a thousand events names hundreds of them.
func (s *Service) WritableContacts(ctx context.Context, ids []int64) (map[int64]int64, map[int64]error, error) {
	const op = "customer.WritableContacts"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	live, refused := map[int64]int64{}, map[int64]error{}
	// current maps each asked id to the contact it stands for now, as the
	// merges are followed.
	current := map[int64]int64{}
	for _, id := range ids {
		current[id] = id
	}
	for hop := 0; len(current) > 0; hop++ {
		if hop == 10 { // merge chains are short; a cycle cannot form, but bound the walk anyway
			for id := range current {
				refused[id] = crm.NotFound(op, "contact", id)
			}
			break
		}
		want := make([]int64, 0, len(current))
		for _, c := range current {
			want = append(want, c)
		}
		slices.Sort(want)
		want = slices.Compact(want)
		found, err := s.store.ContactsOwnership(ctx, want)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", op, err)
		}
		byID := make(map[int64]*Contact, len(found))
		for _, c := range found {
			byID[c.ID] = c
		}
		next := map[int64]int64{}
		for id, cur := range current {
			c := byID[cur]
			switch {
			case c == nil:
				refused[id] = crm.NotFound(op, "contact", id)
			case c.MergedIntoID != nil:
				next[id] = *c.MergedIntoID
			case c.DeletedAt != nil:
				refused[id] = crm.NotFound(op, "contact", id)
			case !p.WritesRecord(c.OwnerID, c.TeamID):
				refused[id] = crm.Forbidden(op).With("contact_id", id)
			default:
				live[id] = c.ID
			}
		}
		current = next
	}
	return live, refused, nil
}

// EnsureContacts finds each person's live contact by email, then phone, or
// creates one (owned by the actor, like any contact they create): for each
// person a contact id, or the error that refused it. People who share an
// email or phone get one contact.
func (s *Service) EnsureContacts(ctx context.Context, people []crm.Person, source string) ([]int64, []error, error) {
	const op = "customer.EnsureContacts"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	ids, errs := make([]int64, len(people)), make([]error, len(people))
	keysOf := make([][]Key, len(people))
	var all []Key
	for i, person := range people {
		var v crm.Violations
		if person.Email != "" {
			e, code := crm.NormalizeEmail(person.Email)
			if code != "" {
				v.Add("customer.email", code)
			}
			keysOf[i] = append(keysOf[i], Key{KeyEmail, e})
			people[i].Email = e
		}
		if person.Phone != "" {
			e164, ext, code := crm.NormalizePhone(person.Phone, s.region)
			if code != "" {
				v.Add("customer.phone", code)
			}
			keysOf[i] = append(keysOf[i], Key{KeyPhone, PhoneKey(e164, ext)})
			people[i].Phone = e164
		}
		if errs[i] = v.Err(op); errs[i] == nil {
			all = append(all, keysOf[i]...)
		}
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockKeys(ctx, all); err != nil {
			return err
		}
		existing, err := s.store.ContactIDsByKey(ctx, all)
		if err != nil {
			return err
		}
		var fresh []ContactFields
		var freshOf []int // person → index in fresh, or -1
		planned := map[Key]int{}
		for i, person := range people {
			freshOf = append(freshOf, -1)
			if errs[i] != nil {
				continue
			}
			if found := firstFound(existing, keysOf[i]); found != 0 {
				ids[i] = found
				continue
			}
			if n, ok := plannedFor(planned, keysOf[i]); ok {
				freshOf[i] = n
				continue
			}
			freshOf[i] = len(fresh)
			for _, k := range keysOf[i] {
				planned[k] = len(fresh)
			}
			fresh = append(fresh, personFields(person))
		}
		if err := s.checkWritable(ctx, p, ids, errs); err != nil {
			return err
		}
		if len(fresh) == 0 {
			return nil
		}
		// An ingest of ten thousand events may name more new people than
		// a batch of contacts holds.
		var results []BatchResult
		for start := 0; start < len(fresh); start += MaxBatch {
			part, err := s.CreateContacts(ctx, fresh[start:min(len(fresh), start+MaxBatch)], WriteOptions{Source: source})
			if err != nil {
				return err
			}
			results = append(results, part...)
		}
		for i, n := range freshOf {
			if n < 0 {
				continue
			}
			ids[i], errs[i] = results[n].ID, results[n].Err
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	return ids, errs, nil
}

// checkWritable refuses the found contacts the actor may not change.
func (s *Service) checkWritable(ctx context.Context, p *crm.Principal, ids []int64, errs []error) error {
	if p.IsAdmin() {
		return nil
	}
	var found []int64
	for _, id := range ids {
		if id != 0 {
			found = append(found, id)
		}
	}
	_, refused, err := s.WritableContacts(ctx, found)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if e := refused[id]; e != nil {
			ids[i], errs[i] = 0, e
		}
	}
	return nil
}

func firstFound(existing map[Key][]int64, keys []Key) int64 {
	for _, k := range keys {
		if found := existing[k]; len(found) > 0 {
			return found[0]
		}
	}
	return 0
}

func plannedFor(planned map[Key]int, keys []Key) (int, bool) {
	for _, k := range keys {
		if n, ok := planned[k]; ok {
			return n, true
		}
	}
	return 0, false
}

// personFields are the fields of the contact created for a person.
func personFields(p crm.Person) ContactFields {
	f := ContactFields{DisplayName: p.Name, Address: Address{Country: p.Country}}
	if f.DisplayName == "" {
		f.DisplayName = p.Email
	}
	if f.DisplayName == "" {
		f.DisplayName = p.Phone
	}
	if p.Email != "" {
		f.Emails = []Email{{Address: p.Email}}
	}
	if p.Phone != "" {
		f.Phones = []Phone{{Number: p.Phone}}
	}
	return f
}

// ReadableContact checks that the actor may read a contact in full.
func (s *Service) ReadableContact(ctx context.Context, id int64) error {
	const op = "customer.ReadableContact"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return err
	}
	c, err := s.store.Contact(ctx, id)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if !p.ReadsRecord(c.OwnerID, c.TeamID) {
		return crm.Forbidden(op).With("contact_id", id)
	}
	return nil
}

// ReadableCompanyPeople checks that the actor may read a company in full
// and lists the contacts with a current position there.
func (s *Service) ReadableCompanyPeople(ctx context.Context, companyID int64) ([]int64, error) {
	const op = "customer.ReadableCompanyPeople"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	c, err := s.store.Company(ctx, companyID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if !p.ReadsRecord(c.OwnerID, c.TeamID) {
		return nil, crm.Forbidden(op).With("company_id", companyID)
	}
	ids, err := s.store.ContactIDsAtCompanies(ctx, []int64{companyID})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return ids, nil
}
