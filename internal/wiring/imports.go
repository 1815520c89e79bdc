package wiring

import (
	"context"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/importer"
)

// ImportDirectory adapts the accounts to what a lead import asks: the
// users its owner column names by email, the teams its team column names.
func ImportDirectory(a *account.Service) importer.Directory { return importDirectory{a} }

type importDirectory struct{ accounts *account.Service }

func (d importDirectory) Users(ctx context.Context) (map[string]importer.DirectoryUser, error) {
	users, err := d.accounts.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]importer.DirectoryUser, len(users))
	for _, u := range users {
		out[strings.ToLower(u.Email)] = importer.DirectoryUser{ID: u.ID, Disabled: u.Disabled}
	}
	return out, nil
}

func (d importDirectory) Teams(ctx context.Context) (map[string]int64, error) {
	teams, err := d.accounts.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(teams))
	for _, t := range teams {
		out[importer.FoldName(t.Name)] = t.ID
	}
	return out, nil
}
