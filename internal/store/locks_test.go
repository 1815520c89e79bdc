package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// The duplicate check of a big batch locks its keys; on PostgreSQL each lock
// takes a slot of a shared table (64 per connection by default), and a lock
// per key ran it out (SQLSTATE 53200) with a dozen batches of 500 contacts
// side by side. Keys share 128 locks, whatever their number.
func TestLockKeysTakesFewLocks(t *testing.T) {
	s := testenv.Postgres(t)
	ctx := context.Background()
	keys := make([]customer.Key, 1500)
	for i := range keys {
		keys[i] = customer.Key{Kind: customer.KeyEmail, Value: fmt.Sprintf("k%d@example.com", i)}
	}
	var held int
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.LockKeys(ctx, keys); err != nil {
			return err
		}
		// Seen from another connection, while the transaction holds them:
		// the most any one connection holds, since tests running beside
		// this one in the same database take such locks too.
		return s.ReadDB().QueryRowContext(context.Background(), `SELECT COALESCE(max(n), 0) FROM (SELECT pid, count(*) AS n
			FROM pg_locks WHERE locktype = 'advisory' AND classid = 1735917569 AND granted GROUP BY pid) AS per_connection`).Scan(&held)
	})
	if err != nil {
		t.Fatal(err)
	}
	if held == 0 || held > 128 {
		t.Errorf("locking 1,500 keys holds %d advisory locks in one connection; want 1 to 128", held)
	}
}
