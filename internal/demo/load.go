package demo

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Services are what Load writes through.
type Services struct {
	Customers *customer.Service
	Accounts  *account.Service
}

// Progress says how far Load has come in one stage.
type Progress struct {
	// Stage is "accounts", "companies", "contacts" or "positions".
	Stage       string
	Done, Total int
}

// Stats counts what Load created.
type Stats struct {
	// Users, Teams, FieldDefs and Tags count those created; ones that
	// existed already (by email, name or key) are used as they are.
	Users, Teams, FieldDefs, Tags  int
	Companies, Contacts, Positions int
	// Duplicates counts the contacts created as likely duplicates of others
	// (they are included in Contacts).
	Duplicates int
	// Rejected counts the records the services refused, with positions
	// skipped because their contact or company was refused; Rejections holds
	// the first of them.
	Rejected   int
	Rejections []Rejection
	// CompanyIDs and ContactIDs are the ids of the records created, by their
	// index in the Dataset; 0 for a record that was refused.
	CompanyIDs, ContactIDs []int64
}

// Rejection is a record the services refused.
type Rejection struct {
	Record string // "company", "contact" or "position"
	Index  int    // in the Dataset's list
	Err    error
}

func (r Rejection) String() string { return fmt.Sprintf("%s %d: %v", r.Record, r.Index, r.Err) }

// maxRejections is how many rejections Stats keeps.
const maxRejections = 20

// BatchSize is how many companies or contacts Load creates per call.
const BatchSize = customer.MaxBatch

// positionWorkers is how many positions Load creates at once. Each is a
// transaction of its own; on PostgreSQL they overlap their round trips (4
// workers load positions twice as fast as 1 on two cores; 8 and 16 are
// slower), on SQLite they queue for the one writer and it makes no
// difference.
const positionWorkers = 4

// Load writes a data set through the services. ctx must carry an admin
// principal (the CLI's crm.System): users, teams and custom fields are the
// admin's to create. progress, when not nil, is called as each stage
// advances. Records the services refuse are counted in Stats; the error is
// for a failure of the whole load (the database, the context).
func Load(ctx context.Context, svc Services, ds *Dataset, progress func(Progress)) (Stats, error) {
	l := &loader{ctx: ctx, svc: svc, ds: ds, progress: progress}
	if progress == nil {
		l.progress = func(Progress) {}
	}
	steps := []func() error{l.accounts, l.vocabulary, l.companies, l.contacts, l.positions}
	for _, step := range steps {
		if err := step(); err != nil {
			return l.result(), fmt.Errorf("demo.Load: %w", err)
		}
	}
	return l.result(), nil
}

type loader struct {
	ctx      context.Context
	svc      Services
	ds       *Dataset
	progress func(Progress)
	stats    Stats
	mu       sync.Mutex // guards stats while positions are created

	userIDs, teamIDs, companyIDs, contactIDs []int64 // ids by Dataset index; 0 when refused
}

func (l *loader) result() Stats {
	s := l.stats
	s.CompanyIDs, s.ContactIDs = l.companyIDs, l.contactIDs
	return s
}

// reject records a refused record; any error that is not a refusal (a
// failing database) is returned instead.
func (l *loader) reject(record string, index int, err error) error {
	if e, ok := crm.AsError(err); !ok || e.Kind == crm.KindInternal {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stats.Rejected++
	if len(l.stats.Rejections) < maxRejections {
		l.stats.Rejections = append(l.stats.Rejections, Rejection{record, index, err})
	}
	return nil
}

// skip records a record left out because one it refers to was refused.
func (l *loader) skip(record string, index int, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stats.Rejected++
	if len(l.stats.Rejections) < maxRejections {
		l.stats.Rejections = append(l.stats.Rejections, Rejection{record, index, fmt.Errorf("skipped: %s", why)})
	}
}

func ref(ids []int64, i int) *int64 {
	if i < 0 || ids[i] == 0 {
		return nil
	}
	id := ids[i]
	return &id
}

// accounts creates the users and teams, reusing those that exist.
func (l *loader) accounts() error {
	ctx, acc := l.ctx, l.svc.Accounts
	existing, err := acc.ListUsers(ctx)
	if err != nil {
		return err
	}
	byEmail := map[string]int64{}
	for _, u := range existing {
		byEmail[u.Email] = u.ID
	}
	l.userIDs = make([]int64, len(l.ds.Users))
	for i, u := range l.ds.Users {
		if id, ok := byEmail[u.Fields.Email]; ok {
			l.userIDs[i] = id
			continue
		}
		created, err := acc.CreateUser(ctx, u.Fields, "")
		if err != nil {
			return fmt.Errorf("user %s: %w", u.Fields.Email, err)
		}
		l.userIDs[i] = created.ID
		l.stats.Users++
	}
	teams, err := acc.ListTeams(ctx)
	if err != nil {
		return err
	}
	byName := map[string]*account.Team{}
	for _, t := range teams {
		byName[t.Name] = t
	}
	l.teamIDs = make([]int64, len(l.ds.Teams))
	for i, name := range l.ds.Teams {
		t, ok := byName[name]
		if !ok {
			if t, err = acc.CreateTeam(ctx, account.TeamFields{Name: name}); err != nil {
				return fmt.Errorf("team %s: %w", name, err)
			}
			l.stats.Teams++
		}
		l.teamIDs[i] = t.ID
		for ui, u := range l.ds.Users {
			if slices.Contains(u.Teams, i) && !slices.Contains(t.MemberIDs, l.userIDs[ui]) {
				if _, err := acc.SetTeamMember(ctx, t.ID, l.userIDs[ui], true); err != nil {
					return fmt.Errorf("team %s: %w", name, err)
				}
			}
		}
	}
	l.progress(Progress{Stage: "accounts", Done: len(l.ds.Users), Total: len(l.ds.Users)})
	return nil
}

// vocabulary creates the custom fields and tags that do not exist yet.
func (l *loader) vocabulary() error {
	ctx, cs := l.ctx, l.svc.Customers
	defs, err := cs.ListFieldDefs(ctx, "")
	if err != nil {
		return err
	}
	have := map[string]customer.FieldType{}
	for _, d := range defs {
		have[d.RecordType+"."+d.Key] = d.Type
	}
	for _, d := range l.ds.FieldDefs {
		if t, ok := have[d.RecordType+"."+d.Key]; ok {
			if t != d.Type {
				return fmt.Errorf("custom field %s of %s exists with type %s, the demo needs %s", d.Key, d.RecordType, t, d.Type)
			}
			continue
		}
		d.Options = slices.Clone(d.Options) // the service normalises in place
		if _, err := cs.CreateFieldDef(ctx, d); err != nil {
			return fmt.Errorf("custom field %s: %w", d.Key, err)
		}
		l.stats.FieldDefs++
	}
	tags, err := cs.ListTags(ctx)
	if err != nil {
		return err
	}
	haveTag := map[string]bool{}
	for _, t := range tags {
		haveTag[customer.TagKey(t.Name)] = true
	}
	for _, t := range l.ds.Tags {
		if haveTag[customer.TagKey(t.Name)] {
			continue
		}
		if _, err := cs.CreateTag(ctx, t); err != nil {
			return fmt.Errorf("tag %s: %w", t.Name, err)
		}
		l.stats.Tags++
	}
	return nil
}

// batches calls f with each run of up to BatchSize indexes of n.
func batches(n int, f func(from, to int) error) error {
	for from := 0; from < n; from += BatchSize {
		if err := f(from, min(n, from+BatchSize)); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) companies() error {
	l.companyIDs = make([]int64, len(l.ds.Companies))
	total := len(l.ds.Companies)
	return batches(total, func(from, to int) error {
		if err := l.ctx.Err(); err != nil {
			return err
		}
		in := make([]customer.CompanyFields, 0, to-from)
		for _, c := range l.ds.Companies[from:to] {
			f := c.Fields
			f.OwnerID, f.TeamID = ref(l.userIDs, c.Owner), ref(l.teamIDs, c.Team)
			in = append(in, f)
		}
		results, err := l.svc.Customers.CreateCompanies(l.ctx, in)
		if err != nil {
			return err
		}
		for _, r := range results {
			if r.Err != nil {
				if err := l.reject("company", from+r.Index, r.Err); err != nil {
					return err
				}
				continue
			}
			l.companyIDs[from+r.Index] = r.ID
			l.stats.Companies++
		}
		l.progress(Progress{Stage: "companies", Done: to, Total: total})
		return nil
	})
}

// contacts creates the contacts in two passes: first everyone with the
// duplicate check on (so the generator's promise of unique emails and phones
// is checked too), then the deliberate duplicates, allowed.
func (l *loader) contacts() error {
	l.contactIDs = make([]int64, len(l.ds.Contacts))
	var regular, dups []int
	for i, c := range l.ds.Contacts {
		if c.DuplicateOf >= 0 {
			dups = append(dups, i)
		} else {
			regular = append(regular, i)
		}
	}
	region := l.svc.Customers.DefaultRegion()
	total, done := len(l.ds.Contacts), 0
	for _, pass := range []struct {
		indexes []int
		opt     customer.WriteOptions
	}{
		{regular, customer.WriteOptions{Source: "demo"}},
		{dups, customer.WriteOptions{Source: "demo", AllowDuplicate: true}},
	} {
		err := batches(len(pass.indexes), func(from, to int) error {
			if err := l.ctx.Err(); err != nil {
				return err
			}
			at := pass.indexes[from:to]
			in := make([]customer.ContactFields, 0, len(at))
			for _, i := range at {
				c := &l.ds.Contacts[i]
				f := c.Fields
				f.Phones = c.PhonesFor(region)
				f.Anniversaries = slices.Clone(f.Anniversaries) // the service normalises in place
				f.OwnerID, f.TeamID = ref(l.userIDs, c.Owner), ref(l.teamIDs, c.Team)
				in = append(in, f)
			}
			results, err := l.svc.Customers.CreateContacts(l.ctx, in, pass.opt)
			if err != nil {
				return err
			}
			for _, r := range results {
				i := at[r.Index]
				if r.Err != nil {
					if err := l.reject("contact", i, r.Err); err != nil {
						return err
					}
					continue
				}
				l.contactIDs[i] = r.ID
				l.stats.Contacts++
				if l.ds.Contacts[i].DuplicateOf >= 0 {
					l.stats.Duplicates++
				}
			}
			done += len(at)
			l.progress(Progress{Stage: "contacts", Done: done, Total: total})
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// positions creates the positions, a company's in Dataset order (so that
// the person one reports to is there first) and several companies at once.
func (l *loader) positions() error {
	total := len(l.ds.Positions)
	if total == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(l.ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		done     int
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	for w := range positionWorkers {
		wg.Go(func() {
			for i, p := range l.ds.Positions {
				if p.Company%positionWorkers != w {
					continue
				}
				if ctx.Err() != nil {
					fail(ctx.Err())
					return
				}
				if err := l.position(ctx, i, p); err != nil {
					fail(err)
					return
				}
				l.mu.Lock()
				done++
				if done%500 == 0 || done == total {
					l.progress(Progress{Stage: "positions", Done: done, Total: total})
				}
				l.mu.Unlock()
			}
		})
	}
	wg.Wait()
	return firstErr
}

func (l *loader) position(ctx context.Context, i int, p Position) error {
	f := p.Fields
	contact, company := ref(l.contactIDs, p.Contact), ref(l.companyIDs, p.Company)
	switch {
	case contact == nil:
		l.skip("position", i, "its contact was refused")
		return nil
	case company == nil:
		l.skip("position", i, "its company was refused")
		return nil
	}
	f.ContactID, f.CompanyID = *contact, *company
	if p.ReportsTo >= 0 {
		// A manager who was refused leaves the line unknown.
		f.ReportsToID = ref(l.contactIDs, p.ReportsTo)
	}
	if _, err := l.svc.Customers.CreatePosition(ctx, f); err != nil {
		return l.reject("position", i, err)
	}
	l.mu.Lock()
	l.stats.Positions++
	l.mu.Unlock()
	return nil
}
