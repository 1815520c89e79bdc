package store

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

const positionColumns = `p.id, p.version, p.contact_id, p.company_id, p.title, p.department, p.buying_role,
	p.influence, p.reports_to_id, p.status, p.started_on, p.ended_on, p.created_at, p.updated_at,
	c.display_name, co.name`

const positionFrom = ` FROM positions p JOIN contacts c ON c.id = p.contact_id JOIN companies co ON co.id = p.company_id`

func scanPosition(row rowScanner) (*customer.Position, error) {
	var p customer.Position
	err := row.Scan(&p.ID, &p.Version, &p.ContactID, &p.CompanyID, &p.Title, &p.Department, &p.BuyingRole,
		&p.Influence, &p.ReportsToID, &p.Status, &p.StartedOn, &p.EndedOn, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt},
		&p.ContactName, &p.CompanyName)
	if err != nil {
		return nil, mapError(err)
	}
	return &p, nil
}

// CreatePosition inserts a position and re-indexes its holder, who can now
// be found by the company's name.
func (s *Store) CreatePosition(ctx context.Context, p *customer.Position) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		err := s.queryRow(ctx, `INSERT INTO positions (version, contact_id, company_id, title, department,
			buying_role, influence, reports_to_id, status, started_on, ended_on, created_at, updated_at)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.ContactID, p.CompanyID, p.Title, p.Department, string(p.BuyingRole), p.Influence, p.ReportsToID,
			p.Status, p.StartedOn, p.EndedOn, s.d.timeArg(p.CreatedAt), s.d.timeArg(p.UpdatedAt)).Scan(&p.ID)
		if err != nil {
			return mapError(err)
		}
		p.Version = 1
		return s.reindexContacts(ctx, []int64{p.ContactID})
	})
}

// Position reads one position.
func (s *Store) Position(ctx context.Context, id int64) (*customer.Position, error) {
	p, err := scanPosition(s.queryRow(ctx, "SELECT "+positionColumns+positionFrom+" WHERE p.id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("position", id)
	}
	return p, err
}

// UpdatePosition saves next over old, checking old's version.
func (s *Store) UpdatePosition(ctx context.Context, old, next *customer.Position) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.exec(ctx, `UPDATE positions SET version = version + 1, title = ?, department = ?,
			buying_role = ?, influence = ?, reports_to_id = ?, status = ?, started_on = ?, ended_on = ?, updated_at = ?
			WHERE id = ? AND version = ?`,
			next.Title, next.Department, string(next.BuyingRole), next.Influence, next.ReportsToID, next.Status,
			next.StartedOn, next.EndedOn, s.d.timeArg(next.UpdatedAt), next.ID, old.Version)
		if err := s.checkUpdated(ctx, res, err, "positions", "position", next.ID); err != nil {
			return err
		}
		next.Version = old.Version + 1
		if old.Status != next.Status {
			return s.reindexContacts(ctx, []int64{next.ContactID})
		}
		return nil
	})
}

// DeletePosition removes a position.
func (s *Store) DeletePosition(ctx context.Context, id int64) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		var contactID int64
		err := s.queryRow(ctx, "DELETE FROM positions WHERE id = ? RETURNING contact_id", id).Scan(&contactID)
		if err != nil {
			if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
				return notFound("position", id)
			}
			return err
		}
		return s.reindexContacts(ctx, []int64{contactID})
	})
}

// Positions lists the positions of a contact, or of a company, current first
// and then by start.
func (s *Store) Positions(ctx context.Context, contactID, companyID int64) ([]*customer.Position, error) {
	where, arg := " WHERE p.contact_id = ?", contactID
	if contactID == 0 {
		where, arg = " WHERE p.company_id = ?", companyID
	}
	return queryAll(ctx, s, scanPosition, "SELECT "+positionColumns+positionFrom+where+
		" ORDER BY p.status, p.started_on DESC, p.id", arg)
}
