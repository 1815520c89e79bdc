package customer

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Store is what the customer database needs from persistence. Every method
// joins the transaction of its context when InTx started one.
type Store interface {
	// InTx runs fn in one transaction; fn's context carries it. Everything
	// fn does with the store must use that context: on SQLite the
	// transaction holds the only write connection.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error

	// CreateContacts inserts new contacts, setting their IDs and Version 1.
	CreateContacts(ctx context.Context, cs []*Contact) error
	// Contact reads a contact, deleted or not, with its Metrics; NotFound
	// once purged.
	Contact(ctx context.Context, id int64) (*Contact, error)
	// ContactsOwnership reads what permissions and merges need of several
	// contacts — ID, OwnerID, TeamID, DeletedAt, MergedIntoID — and nothing
	// else, skipping ids that do not exist.
	ContactsOwnership(ctx context.Context, ids []int64) ([]*Contact, error)
	// Contacts reads several contacts, skipping ids that do not exist.
	Contacts(ctx context.Context, ids []int64) ([]*Contact, error)
	// UpdateContact replaces old with next if old.Version is still current
	// (else Stale), and sets next.Version to old.Version+1.
	UpdateContact(ctx context.Context, old, next *Contact) error
	ListContacts(ctx context.Context, q Query) (crm.Page[*Contact], error)
	// LockKeys serialises, until the end of the transaction, writers that
	// check the same contact keys for duplicates (a no-op where the store has
	// a single writer).
	LockKeys(ctx context.Context, keys []Key) error
	// ContactIDsByKey finds live contacts that have any of the keys.
	ContactIDsByKey(ctx context.Context, keys []Key) (map[Key][]int64, error)
	// ContactIDsAtCompanies lists live contacts with a current position at
	// any of the companies.
	ContactIDsAtCompanies(ctx context.Context, companyIDs []int64) ([]int64, error)
	// MoveContactRecords moves every record that belongs to from onto into
	// (positions, reports-to links, tags) and marks from as merged into
	// into. Later domains add their tables here.
	MoveContactRecords(ctx context.Context, from, into int64, at time.Time) error
	// MergedInto lists the contacts merged into id, directly or through
	// others.
	MergedInto(ctx context.Context, id int64) ([]int64, error)
	// PurgeContacts erases contacts and everything about them, leaving in the
	// audit log only that they were purged.
	PurgeContacts(ctx context.Context, ids []int64) error
	// ExpiredContacts lists contacts deleted (not merged) before t.
	ExpiredContacts(ctx context.Context, before time.Time, limit int) ([]int64, error)

	CreateCompanies(ctx context.Context, cs []*Company) error
	Company(ctx context.Context, id int64) (*Company, error)
	UpdateCompany(ctx context.Context, old, next *Company) error
	ListCompanies(ctx context.Context, q Query) (crm.Page[*Company], error)
	PurgeCompanies(ctx context.Context, ids []int64) error
	ExpiredCompanies(ctx context.Context, before time.Time, limit int) ([]int64, error)

	CreatePosition(ctx context.Context, p *Position) error
	Position(ctx context.Context, id int64) (*Position, error)
	UpdatePosition(ctx context.Context, old, next *Position) error
	DeletePosition(ctx context.Context, id int64) error
	// Positions lists positions of a contact or of a company (the other id 0).
	Positions(ctx context.Context, contactID, companyID int64) ([]*Position, error)

	FieldDefs(ctx context.Context, recordType string) ([]FieldDef, error)
	FieldDef(ctx context.Context, id int64) (*FieldDef, error)
	CreateFieldDef(ctx context.Context, d *FieldDef) error
	UpdateFieldDef(ctx context.Context, old, next *FieldDef) error
	// DeleteFieldDef removes the definition and its values from every record.
	DeleteFieldDef(ctx context.Context, d *FieldDef) error

	Tags(ctx context.Context) ([]*Tag, error)
	// TagNames lists the tags' names in order, without the counts Tags
	// adds up.
	TagNames(ctx context.Context) ([]string, error)
	Tag(ctx context.Context, id int64) (*Tag, error)
	CreateTag(ctx context.Context, t *Tag) error
	UpdateTag(ctx context.Context, t *Tag) error
	DeleteTag(ctx context.Context, id int64) error

	// SavedViews lists a user's views of a list by name; DeleteSavedView
	// deletes one of the user's own (NotFound for anyone else's).
	SavedViews(ctx context.Context, userID int64, list string) ([]*SavedView, error)
	CreateSavedView(ctx context.Context, v *SavedView) error
	DeleteSavedView(ctx context.Context, userID, id int64) error

	// MissingUsers and MissingTeams return those of ids that do not exist.
	MissingUsers(ctx context.Context, ids []int64) ([]int64, error)
	MissingTeams(ctx context.Context, ids []int64) ([]int64, error)

	AppendAudit(ctx context.Context, entries ...crm.AuditEntry) error
	// Audit lists the entries of records, newest first.
	Audit(ctx context.Context, recordType string, ids []int64, cursor string, limit int) (crm.Page[crm.AuditEntry], error)
}
