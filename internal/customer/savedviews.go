package customer

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// SavedView is a user's named way of looking at a list: its search, filters
// and sort, kept as the list's query string so that opening the view is
// opening that address. Views are personal: nobody else sees them, not even
// an admin, since they say nothing about records and are only a shortcut.
type SavedView struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	List      string    `json:"list" doc:"The list the view is of: contacts"`
	Name      string    `json:"name"`
	Query     string    `json:"query" doc:"The list's query string (without ?) as the API's list reads it, e.g. q=王&filter[city][eq]=台北&sort=-created_at"`
	CreatedAt time.Time `json:"created_at"`
}

// SavedViewFields is what a user writes of a view.
type SavedViewFields struct {
	List  string `json:"list,omitempty" enum:"contacts," doc:"The list the view is of (default contacts)"`
	Name  string `json:"name" maxLength:"100"`
	Query string `json:"query" maxLength:"2000"`
}

// ViewListContacts is the list of contacts (the customers screen).
const ViewListContacts = "contacts"

const (
	maxViewName  = 100
	maxViewQuery = 2000
	// MaxSavedViews bounds a user's views of one list: they are shown as
	// tabs, and more than this would not be read.
	MaxSavedViews = 50
)

func checkViewList(v *crm.Violations, list *string) {
	if *list == "" {
		*list = ViewListContacts
	}
	if *list != ViewListContacts {
		v.Add("list", "not_one_of", "allowed", ViewListContacts)
	}
}

// SavedViews lists the caller's views of a list ("" for contacts), by name.
func (s *Service) SavedViews(ctx context.Context, list string) ([]*SavedView, error) {
	const op = "customer.SavedViews"
	p, err := crm.User(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	checkViewList(&v, &list)
	if err := v.Err(op); err != nil {
		return nil, err
	}
	views, err := s.store.SavedViews(ctx, p.UserID, list)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	return views, nil
}

// CreateSavedView saves a view for the caller. Anyone signed in may, a
// viewer too: a view changes no record. Names are unique per user and list.
func (s *Service) CreateSavedView(ctx context.Context, f SavedViewFields) (*SavedView, error) {
	const op = "customer.CreateSavedView"
	p, err := crm.User(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	checkViewList(&v, &f.List)
	f.Name = crm.CleanText(&v, "name", f.Name, maxViewName)
	if f.Name == "" {
		v.Add("name", "required")
	}
	query, err := url.ParseQuery(f.Query)
	switch {
	case len(f.Query) > maxViewQuery:
		v.Add("query", "too_long", "max", maxViewQuery)
	case err != nil || !crm.ValidText(f.Query):
		v.Add("query", "invalid_query")
	default:
		// A view opens at the start of its list.
		query.Del("cursor")
		f.Query = query.Encode()
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	view := &SavedView{UserID: p.UserID, List: f.List, Name: f.Name, Query: f.Query, CreatedAt: s.clock.Now()}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		existing, err := s.store.SavedViews(ctx, p.UserID, f.List)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.Name == f.Name {
				return crm.E(op, crm.KindConflict, "duplicate_view").With("name", f.Name).With("existing_id", e.ID)
			}
		}
		if len(existing) >= MaxSavedViews {
			var v crm.Violations
			v.Add("name", "too_many", "max", MaxSavedViews)
			return v.Err(op)
		}
		return s.store.CreateSavedView(ctx, view)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return view, nil
}

// DeleteSavedView deletes one of the caller's views. Another user's view is
// not found: whether it exists is none of the caller's business.
func (s *Service) DeleteSavedView(ctx context.Context, id int64) error {
	const op = "customer.DeleteSavedView"
	p, err := crm.User(ctx, op)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSavedView(ctx, p.UserID, id); err != nil {
		if crm.IsKind(err, crm.KindNotFound) {
			return crm.NotFound(op, "saved_view", id)
		}
		return crm.Internal(op, err)
	}
	return nil
}
