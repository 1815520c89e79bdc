package touchpoint

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// ResolveCustomers finds the contact each ref names, creating contacts for
// emails, phones and external ids not seen before and linking new external
// ids (of the source beside each ref) to their contacts. Refs that name no
// known customer (only an anonymous id, or nothing) resolve to 0. It runs in
// the transaction of ctx, if any; orders use it as events do.
func (s *Service) ResolveCustomers(ctx context.Context, refs []crm.CustomerRef, sources []string) ([]int64, []error, error) {
	r := &resolution{s: s, refs: refs, sources: sources, contactOf: make([]int64, len(refs)),
		errs: make([]error, len(refs)), active: make([]bool, len(refs)), now: s.clock.Now()}
	for i := range refs {
		r.active[i] = true
	}
	err := s.store.InTx(ctx, r.run)
	return r.contactOf, r.errs, err
}

// resolution finds the contacts of a batch of refs.
type resolution struct {
	s         *Service
	refs      []crm.CustomerRef
	sources   []string
	active    []bool // refs to resolve: valid, and not answered otherwise
	contactOf []int64
	errs      []error
	now       time.Time
}

func (r *resolution) run(ctx context.Context) error {
	if err := r.contactIDs(ctx); err != nil {
		return err
	}
	if err := r.externalIDs(ctx); err != nil {
		return err
	}
	return r.people(ctx)
}

// pending reports whether ref i is still to be resolved.
func (r *resolution) pending(i int) bool {
	return r.active[i] && r.errs[i] == nil && r.contactOf[i] == 0
}

// contactIDs checks the contact ids refs name.
func (r *resolution) contactIDs(ctx context.Context) error {
	var ids []int64
	for i, c := range r.refs {
		if r.pending(i) && c.ContactID != nil {
			ids = append(ids, *c.ContactID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	live, refused, err := r.s.dir.WritableContacts(ctx, ids)
	if err != nil {
		return err
	}
	var links []ExternalLink
	for i, c := range r.refs {
		if !r.pending(i) || c.ContactID == nil {
			continue
		}
		if e := refused[*c.ContactID]; e != nil {
			r.errs[i] = e
			continue
		}
		r.contactOf[i] = live[*c.ContactID]
		if c.ExternalID != "" {
			// an external id beside a contact id says who it names
			links = append(links, ExternalLink{Source: r.sources[i], ExternalID: c.ExternalID, ContactID: r.contactOf[i]})
		}
	}
	return r.s.store.LinkExternalIDs(ctx, links, r.now)
}

// externalIDs finds the contacts of external ids linked before; the others
// are resolved with the people and linked then.
func (r *resolution) externalIDs(ctx context.Context) error {
	bySource := map[string][]string{}
	for i, c := range r.refs {
		if r.pending(i) && c.ExternalID != "" {
			bySource[r.sources[i]] = append(bySource[r.sources[i]], c.ExternalID)
		}
	}
	for source, ids := range bySource {
		found, err := r.s.store.ExternalContacts(ctx, source, ids)
		if err != nil {
			return err
		}
		var known []int64
		for i, c := range r.refs {
			if r.pending(i) && r.sources[i] == source && found[c.ExternalID] != 0 {
				r.contactOf[i] = found[c.ExternalID]
				known = append(known, found[c.ExternalID])
			}
		}
		if err := r.checkWritable(ctx, known); err != nil {
			return err
		}
	}
	return nil
}

// checkWritable refuses refs whose contact, found by an external id, the
// actor may not change.
func (r *resolution) checkWritable(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, refused, err := r.s.dir.WritableContacts(ctx, ids)
	if err != nil || len(refused) == 0 {
		return err
	}
	for i := range r.refs {
		if e := refused[r.contactOf[i]]; r.active[i] && e != nil {
			r.errs[i], r.contactOf[i] = e, 0
		}
	}
	return nil
}

// people finds or creates the contacts of refs that name their customer by
// email, phone, or an external id not linked yet, once per person, and links
// the new external ids.
func (r *resolution) people(ctx context.Context) error {
	type personKey struct{ source, externalID, email, phone string }
	index := map[personKey]int{}
	var people []crm.Person
	personOf := make([]int, len(r.refs))
	for i, c := range r.refs {
		personOf[i] = -1
		if !r.pending(i) || (c.ExternalID == "" && c.Email == "" && c.Phone == "") {
			continue
		}
		k := personKey{email: c.Email, phone: c.Phone}
		if c.ExternalID != "" {
			// an external id names one person, whatever else comes with it
			k = personKey{source: r.sources[i], externalID: c.ExternalID}
		}
		n, ok := index[k]
		if !ok {
			n = len(people)
			index[k] = n
			name := c.Name
			if name == "" && c.Email == "" && c.Phone == "" {
				name = externalName(r.sources[i], c.ExternalID)
			}
			people = append(people, crm.Person{Email: c.Email, Phone: c.Phone, Name: name, Country: c.Country})
		}
		personOf[i] = n
	}
	if len(people) == 0 {
		return nil
	}
	ids, errs, err := r.s.dir.EnsureContacts(ctx, people, "event")
	if err != nil {
		return err
	}
	var links []ExternalLink
	for i, c := range r.refs {
		n := personOf[i]
		if n < 0 {
			continue
		}
		if errs[n] != nil {
			r.errs[i] = errs[n]
			continue
		}
		r.contactOf[i] = ids[n]
		if c.ExternalID != "" {
			links = append(links, ExternalLink{Source: r.sources[i], ExternalID: c.ExternalID, ContactID: ids[n]})
		}
	}
	return r.s.store.LinkExternalIDs(ctx, links, r.now)
}

// externalName is the display name of a contact known only by an id in
// another system.
func externalName(source, externalID string) string {
	if source == "" {
		return "#" + externalID
	}
	return source + " #" + externalID
}
