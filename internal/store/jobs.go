package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

var _ jobs.Store = (*Store)(nil)

// jobColumns are the columns scanJob reads, in order.
const jobColumns = `id, kind, key, payload, status, attempts, max_attempts, run_at, lease_owner, lease_expires_at,
	progress, result, last_error, created_by, created_at, updated_at, finished_at`

func scanJob(row rowScanner) (*jobs.Job, error) {
	var j jobs.Job
	var payload, progress, result []byte
	err := row.Scan(&j.ID, &j.Kind, &j.Key, &payload, &j.Status, &j.Attempts, &j.MaxAttempts, timeCol{&j.RunAt},
		&j.LeaseOwner, nullTimeCol{&j.LeaseUntil}, &progress, &result, &j.LastError, &j.CreatedBy,
		timeCol{&j.CreatedAt}, timeCol{&j.UpdatedAt}, nullTimeCol{&j.FinishedAt})
	if err != nil {
		return nil, mapError(err)
	}
	j.Payload, j.Progress, j.Result = payload, nilIfEmpty(progress), nilIfEmpty(result)
	return &j, nil
}

func nilIfEmpty(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return b
}

// jsonArg stores an optional JSON document: NULL when absent.
func jsonArg(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// EnqueueJobs inserts jobs one by one: a job with the kind and key of an
// existing one becomes that one. ON CONFLICT DO NOTHING, rather than a
// failed insert, keeps the caller's transaction usable on PostgreSQL, and
// there waits for a concurrent insert of the same key to commit or roll back.
// The conflict target names the partial unique index jobs_key (keyless jobs
// never conflict).
func (s *Store) EnqueueJobs(ctx context.Context, list []*jobs.Job) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		for _, j := range list {
			payload := j.Payload
			if len(payload) == 0 {
				payload = json.RawMessage("null")
			}
			var id int64
			err := s.queryRow(ctx, `INSERT INTO jobs (kind, key, payload, status, attempts, max_attempts, run_at, created_by, created_at, updated_at)
				VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?) ON CONFLICT (kind, key) WHERE key <> '' DO NOTHING RETURNING id`,
				j.Kind, j.Key, string(payload), j.MaxAttempts, s.d.timeArg(j.RunAt), j.CreatedBy,
				s.d.timeArg(j.CreatedAt), s.d.timeArg(j.UpdatedAt)).Scan(&id)
			if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
				prev, err := scanJob(s.queryRow(ctx, "SELECT "+jobColumns+" FROM jobs WHERE kind = ? AND key = ? AND key <> ''", j.Kind, j.Key))
				if err != nil {
					return fmt.Errorf("store.EnqueueJobs: existing job %s/%s: %w", j.Kind, j.Key, err)
				}
				*j = *prev
				continue
			}
			if err != nil {
				return err
			}
			j.ID, j.Status, j.Attempts, j.Payload = id, jobs.StatusQueued, 0, payload
		}
		return nil
	})
}

// Job reads a job.
func (s *Store) Job(ctx context.Context, id int64) (*jobs.Job, error) {
	j, err := scanJob(s.queryRow(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("job", id)
	}
	return j, err
}

// jobPos is where a page of jobs ends.
type jobPos struct {
	ID int64 `json:"id"`
}

// ListJobs lists jobs newest first.
func (s *Store) ListJobs(ctx context.Context, f jobs.Filter) (crm.Page[*jobs.Job], error) {
	var where []string
	var args []any
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.CreatedBy != nil {
		where, args = append(where, "created_by = ?"), append(args, *f.CreatedBy)
	}
	if f.Cursor != "" {
		var pos jobPos
		if err := crm.DecodeCursor(f.Cursor, &pos); err != nil {
			return crm.Page[*jobs.Job]{}, err
		}
		where, args = append(where, "id < ?"), append(args, pos.ID)
	}
	limit := crm.ClampLimit(f.Limit)
	q := "SELECT " + jobColumns + " FROM jobs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, fmt.Sprintf("%s ORDER BY id DESC LIMIT %d", q, limit+1), args...)
	if err != nil {
		return crm.Page[*jobs.Job]{}, err
	}
	defer rows.Close()
	page := crm.Page[*jobs.Job]{Items: []*jobs.Job{}}
	for rows.Next() {
		if len(page.Items) == limit {
			page.Next = crm.EncodeCursor(jobPos{ID: page.Items[limit-1].ID})
			break
		}
		j, err := scanJob(rows)
		if err != nil {
			return crm.Page[*jobs.Job]{}, err
		}
		page.Items = append(page.Items, j)
	}
	return page, mapError(rows.Err())
}

// ClaimJobs leases due jobs to owner. The due jobs are picked in a
// materialised CTE, so that the UPDATE takes exactly those. On PostgreSQL
// the pick locks them FOR UPDATE SKIP LOCKED: concurrent claimers each take
// other jobs instead of waiting for, or taking, the same ones. SQLite has
// one writer, whose transactions run one after the other, so its plain pick
// is already exclusive (dialect.go has no method for this one clause).
func (s *Store) ClaimJobs(ctx context.Context, owner string, kinds []string, now, leaseUntil time.Time, limit int) ([]*jobs.Job, error) {
	if len(kinds) == 0 || limit <= 0 {
		return nil, nil
	}
	lock := ""
	if s.d.name() == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	q := fmt.Sprintf(`WITH due AS MATERIALIZED (
			SELECT id FROM jobs
			WHERE kind IN (%s) AND ((status = 'queued' AND run_at <= ?) OR (status = 'running' AND lease_expires_at < ?))
			ORDER BY run_at, id LIMIT %d%s)
		UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, updated_at = ?
		WHERE id IN (SELECT id FROM due)
		RETURNING %s`, placeholders(len(kinds)), limit, lock, jobColumns)
	args := make([]any, 0, len(kinds)+5)
	for _, k := range kinds {
		args = append(args, k)
	}
	args = append(args, s.d.timeArg(now), s.d.timeArg(now), owner, s.d.timeArg(leaseUntil), s.d.timeArg(now))
	var out []*jobs.Job
	// In a transaction: on SQLite, queries outside one go to the read-only
	// pool.
	err := s.InTx(ctx, func(ctx context.Context) error {
		rows, err := s.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return mapError(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	// RETURNING follows no order.
	slices.SortFunc(out, func(a, b *jobs.Job) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// leased runs an UPDATE of a job that owner holds the lease of: running and
// leased to owner. The first two args are the job id and owner; the SET
// clause's arguments follow.
func (s *Store) leased(ctx context.Context, set string, id int64, owner string, args ...any) error {
	res, err := s.exec(ctx, "UPDATE jobs SET "+set+" WHERE id = ? AND status = 'running' AND lease_owner = ?",
		append(args, id, owner)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("store: job %d, owner %s: %w", id, owner, jobs.ErrLeaseLost)
	}
	return nil
}

// ExtendLease renews owner's lease of a running job.
func (s *Store) ExtendLease(ctx context.Context, id int64, owner string, leaseUntil time.Time) error {
	return s.leased(ctx, "lease_expires_at = ?", id, owner, s.d.timeArg(leaseUntil))
}

// SaveProgress stores a checkpoint and renews the lease.
func (s *Store) SaveProgress(ctx context.Context, id int64, owner string, progress json.RawMessage, now, leaseUntil time.Time) error {
	return s.leased(ctx, "progress = ?, lease_expires_at = ?, updated_at = ?", id, owner,
		jsonArg(progress), s.d.timeArg(leaseUntil), s.d.timeArg(now))
}

// FinishJob records a job's outcome. lease_owner stays, naming the worker
// that ran it last.
func (s *Store) FinishJob(ctx context.Context, id int64, owner string, status jobs.Status, result json.RawMessage, lastError string, at time.Time) error {
	return s.leased(ctx, "status = ?, result = ?, last_error = ?, lease_expires_at = NULL, finished_at = ?, updated_at = ?", id, owner,
		string(status), jsonArg(result), lastError, s.d.timeArg(at), s.d.timeArg(at))
}

// RetryJob queues a job again for runAt.
func (s *Store) RetryJob(ctx context.Context, id int64, owner string, runAt time.Time, lastError string, now time.Time) error {
	return s.leased(ctx, "status = 'queued', run_at = ?, last_error = ?, lease_expires_at = NULL, updated_at = ?", id, owner,
		s.d.timeArg(runAt), lastError, s.d.timeArg(now))
}

// ReleaseJob queues a job again without counting the attempt. Its run_at
// stays as it was, so it keeps its place in the queue.
func (s *Store) ReleaseJob(ctx context.Context, id int64, owner string, now time.Time) error {
	return s.leased(ctx, "status = 'queued', attempts = attempts - 1, lease_expires_at = NULL, updated_at = ?", id, owner,
		s.d.timeArg(now))
}

// CancelJob cancels a job that has not finished.
func (s *Store) CancelJob(ctx context.Context, id int64, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE jobs SET status = 'cancelled', lease_expires_at = NULL, finished_at = ?, updated_at = ?
		WHERE id = ? AND status IN ('queued', 'running')`, s.d.timeArg(at), s.d.timeArg(at), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	j, err := s.Job(ctx, id)
	if err != nil {
		return err
	}
	return crm.E("store", crm.KindConflict, "job_finished").With("id", id).With("status", string(j.Status))
}

// PurgeJobs deletes jobs that finished before t.
func (s *Store) PurgeJobs(ctx context.Context, finishedBefore time.Time) (int64, error) {
	res, err := s.exec(ctx, "DELETE FROM jobs WHERE finished_at < ?", s.d.timeArg(finishedBefore))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
