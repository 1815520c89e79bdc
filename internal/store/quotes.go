package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

const quoteColumns = `q.id, q.version, q.number, q.deal_id, d.name, q.status, q.currency, q.lines, q.valid_until, q.terms, q.notes,
	q.created_by, q.created_at, q.updated_at, q.decided_at`

func scanQuote(row rowScanner) (*sales.Quote, error) {
	var q sales.Quote
	var lines []byte
	if err := row.Scan(&q.ID, &q.Version, &q.Number, &q.DealID, &q.DealName, &q.Status, &q.Currency, &lines, &q.ValidUntil,
		&q.Terms, &q.Notes, &q.CreatedBy, timeCol{&q.CreatedAt}, timeCol{&q.UpdatedAt}, nullTimeCol{&q.DecidedAt}); err != nil {
		return nil, mapError(err)
	}
	if err := json.Unmarshal(lines, &q.Lines); err != nil {
		return nil, fmt.Errorf("quote %d: lines: %w", q.ID, err)
	}
	return &q, nil
}

// CreateQuote inserts a quote numbered after its id (Q-000123).
func (s *Store) CreateQuote(ctx context.Context, q *sales.Quote) error {
	lines, err := json.Marshal(q.Lines)
	if err != nil {
		return err
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		ids, err := s.d.allocIDs(ctx, s.writer(ctx), "quotes", 1)
		if err != nil {
			return mapError(err)
		}
		q.ID, q.Number, q.Version = ids[0], fmt.Sprintf("Q-%06d", ids[0]), 1
		_, err = s.exec(ctx, `INSERT INTO quotes (id, version, number, deal_id, status, currency, lines, total, valid_until, terms, notes,
			created_by, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			q.ID, q.Number, q.DealID, q.Status, q.Currency, string(lines), q.Total, q.ValidUntil, q.Terms, q.Notes,
			q.CreatedBy, s.d.timeArg(q.CreatedAt), s.d.timeArg(q.UpdatedAt))
		return mapError(err)
	})
}

// Quote reads a quote with its deal's name.
func (s *Store) Quote(ctx context.Context, id int64) (*sales.Quote, error) {
	q, err := scanQuote(s.queryRow(ctx, "SELECT "+quoteColumns+" FROM quotes q JOIN deals d ON d.id = q.deal_id WHERE q.id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("quote", id)
	}
	return q, err
}

// DealQuotes lists a deal's quotes, newest first.
func (s *Store) DealQuotes(ctx context.Context, dealID int64) ([]*sales.Quote, error) {
	return queryAll(ctx, s, scanQuote, "SELECT "+quoteColumns+" FROM quotes q JOIN deals d ON d.id = q.deal_id WHERE q.deal_id = ? ORDER BY q.id DESC", dealID)
}

// DecideQuote saves a quote's status and decision time.
func (s *Store) DecideQuote(ctx context.Context, old, q *sales.Quote) error {
	res, err := s.exec(ctx, "UPDATE quotes SET version = version + 1, status = ?, updated_at = ?, decided_at = ? WHERE id = ? AND version = ?",
		q.Status, s.d.timeArg(q.UpdatedAt), s.nullTimeArg(q.DecidedAt), old.ID, old.Version)
	if err := s.checkUpdated(ctx, res, err, "quotes", "quote", old.ID); err != nil {
		return err
	}
	q.Version = old.Version + 1
	return nil
}
