package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var concurrencyTests = []test{
	{"SameVersion", testConcurrentSameVersion},
	{"AnyVersion", testConcurrentAnyVersion},
	{"SameEmail", testConcurrentSameEmail},
	{"OverlappingBatches", testConcurrentBatches},
	{"BigBatches", testConcurrentBigBatches},
	{"NewTag", testConcurrentNewTag},
	{"IdempotencyKey", testConcurrentIdempotencyKey},
}

const writers = 8

// race runs f on n goroutines released together and returns their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

func testConcurrentSameVersion(t *testing.T, e *env) {
	c := e.contact(e.sys, customer.ContactFields{DisplayName: "Contested", Tags: []string{"T"}})
	for round := int64(1); round <= 3; round++ {
		errs := race(writers, func(i int) error {
			_, err := e.cs.UpdateContact(e.sys, c.ID, round, func(f *customer.ContactFields) error {
				// Every write changes something: a no-op succeeds without
				// writing, whatever the others do.
				f.GivenName = fmt.Sprintf("writer %d in round %d", i, round)
				f.Tags = append(f.Tags, fmt.Sprintf("w%d r%d", i, round))
				return nil
			}, customer.WriteOptions{})
			return err
		})
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("round %d: writers %d and %d both won", round, winner, i)
			case err == nil:
				winner = i
			case crm.KindOf(err) == crm.KindStale:
			default:
				t.Errorf("round %d: writer %d: %v; want success or stale", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody won", round)
		}
		got := e.get(c.ID)
		if got.Version != round+1 || got.GivenName != fmt.Sprintf("writer %d in round %d", winner, round) {
			t.Errorf("round %d: version %d given name %q; want %d and the winner's", round, got.Version, got.GivenName, round+1)
		}
		if !slices.Contains(got.Tags, fmt.Sprintf("w%d r%d", winner, round)) || len(got.Tags) != int(round)+1 {
			t.Errorf("round %d: tags %v", round, got.Tags)
		}
	}
	if n := len(e.audit(e.sys, c.ID)); n != 4 {
		t.Errorf("%d audit entries; want a create and three updates", n)
	}
}

// Writers that name no version all succeed, none losing another's change:
// an update that finds the record changed between its read and its write
// starts over from the new state.
func testConcurrentAnyVersion(t *testing.T, e *env) {
	const n = 5 // each writer can lose at most once to each other one
	c := e.contact(e.sys, customer.ContactFields{DisplayName: "Everyone's"})
	errs := race(n, func(i int) error {
		_, err := e.cs.UpdateContact(e.sys, c.ID, 0, func(f *customer.ContactFields) error {
			f.Tags = append(f.Tags, fmt.Sprintf("writer %d", i))
			return nil
		}, customer.WriteOptions{})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	got := e.get(c.ID)
	if got.Version != n+1 || len(got.Tags) != n {
		t.Errorf("version %d, tags %v; want version %d and every writer's tag", got.Version, got.Tags, n+1)
	}
	if entries := len(e.audit(e.sys, c.ID)); entries != n+1 {
		t.Errorf("%d audit entries; want a create and %d updates", entries, n)
	}
}

func testConcurrentSameEmail(t *testing.T, e *env) {
	for round, key := range []customer.ContactFields{
		{Emails: []customer.Email{{Address: "race@example.com"}}},
		{Phones: []customer.Phone{{Number: "0912 000 999"}}},
		{Emails: []customer.Email{{Address: "second@example.com"}}, Phones: []customer.Phone{{Number: "+886 922 000 999"}}},
	} {
		created := make([]int64, writers)
		errs := race(writers, func(i int) error {
			f := key
			f.DisplayName = fmt.Sprintf("racer %d.%d", round, i)
			// Half write the key in another form.
			if i%2 == 1 && len(f.Emails) > 0 {
				f.Emails = []customer.Email{{Address: "  " + upper(f.Emails[0].Address)}}
			}
			c, err := e.cs.CreateContact(e.sys, f, customer.WriteOptions{})
			if err == nil {
				created[i] = c.ID
			}
			return err
		})
		var winners []int64
		for i, err := range errs {
			if err == nil {
				winners = append(winners, created[i])
			}
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: %d contacts created; want exactly one", round, len(winners))
		}
		for i, err := range errs {
			if err == nil {
				continue
			}
			ce := wantCode(t, err, crm.KindConflict, "duplicate_contact")
			if id := param(t, ce, "existing_id"); id != winners[0] {
				t.Errorf("round %d: writer %d told of %d; want the winner %d", round, i, id, winners[0])
			}
		}
	}
	if page := e.list(customer.ListParams{}); page.Total.Value != 3 {
		t.Errorf("%d contacts; want 3", page.Total.Value)
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// testConcurrentBatches creates batches that share keys in opposite orders:
// locks taken in key order cannot deadlock, and every key ends up once.
func testConcurrentBatches(t *testing.T, e *env) {
	const keys = 40
	results := make([][]customer.BatchResult, writers)
	errs := race(writers, func(w int) error {
		inputs := make([]customer.ContactFields, keys)
		for i := range inputs {
			k := i
			if w%2 == 1 {
				k = keys - 1 - i
			}
			inputs[i] = customer.ContactFields{DisplayName: fmt.Sprintf("k%02d by %d", k, w),
				Emails: []customer.Email{{Address: fmt.Sprintf("k%02d@example.com", k)}}}
		}
		var err error
		results[w], err = e.cs.CreateContacts(e.sys, inputs, customer.WriteOptions{})
		return err
	})
	for w, err := range errs {
		must(t, err)
		for _, r := range results[w] {
			if r.Err != nil && crm.KindOf(r.Err) != crm.KindConflict {
				t.Errorf("writer %d record %d: %v", w, r.Index, r.Err)
			}
		}
	}
	page := e.list(customer.ListParams{Limit: 500})
	if page.Total.Value != keys {
		t.Errorf("%d contacts; want one per key (%d)", page.Total.Value, keys)
	}
	seen := map[string]bool{}
	ids := map[int64]bool{}
	for _, c := range page.Items {
		if seen[c.Emails[0].Address] || ids[c.ID] {
			t.Errorf("key %s or id %d twice", c.Emails[0].Address, c.ID)
		}
		seen[c.Emails[0].Address], ids[c.ID] = true, true
	}
}

// Big batches side by side, their duplicate checks each locking the keys of
// hundreds of emails and phones (see also TestLockKeysTakesFewLocks): all
// are created, none twice.
func testConcurrentBigBatches(t *testing.T, e *env) {
	const batches, size = 8, 250
	errs := race(batches, func(b int) error {
		fields := make([]customer.ContactFields, size)
		for i := range fields {
			fields[i] = customer.ContactFields{DisplayName: fmt.Sprintf("B%d-%d", b, i),
				Emails: []customer.Email{{Address: fmt.Sprintf("b%d-%d@example.com", b, i)}},
				Phones: []customer.Phone{{Number: fmt.Sprintf("+8869%02d%06d", b, i)}, {Number: fmt.Sprintf("+8862%02d%06d", b, i)}}}
		}
		results, err := e.cs.CreateContacts(e.sys, fields, customer.WriteOptions{})
		if err != nil {
			return err
		}
		for _, r := range results {
			if r.Err != nil {
				return r.Err
			}
		}
		return nil
	})
	for b, err := range errs {
		if err != nil {
			t.Errorf("batch %d: %v", b, err)
		}
	}
	page := e.list(customer.ListParams{Conditions: []customer.Condition{{Field: "email", Op: customer.OpExists, Values: []string{"true"}}}})
	if page.Total.Value != batches*size {
		t.Errorf("%d contacts; want %d", page.Total.Value, batches*size)
	}
}

func testConcurrentNewTag(t *testing.T, e *env) {
	errs := race(writers, func(i int) error {
		_, err := e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: fmt.Sprintf("t%d", i),
			Tags: []string{[]string{"Hot Lead", "hot lead", "HOT LEAD"}[i%3], fmt.Sprintf("own %d", i)}}, customer.WriteOptions{})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	counts := tagCounts(t, e)
	var hot []string
	for name, n := range counts {
		if customer.TagKey(name) == "hot lead" {
			hot = append(hot, name)
			if n[0] != writers {
				t.Errorf("tag %q on %d contacts; want %d", name, n[0], writers)
			}
		}
	}
	if len(hot) != 1 || len(counts) != writers+1 {
		t.Errorf("tags %v; want one hot lead and one own tag per writer", counts)
	}
}

func testConcurrentIdempotencyKey(t *testing.T, e *env) {
	errs := race(writers, func(i int) error {
		resp, err := e.idem.Begin(e.sys, 1, "same", "fp")
		if err == nil && resp != nil {
			return fmt.Errorf("replayed %+v", resp)
		}
		return err
	})
	claimed := 0
	for i, err := range errs {
		switch {
		case err == nil:
			claimed++
		case crm.KindOf(err) != crm.KindConflict:
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if claimed != 1 {
		t.Errorf("%d requests claimed the key; want exactly one", claimed)
	}
}
