package app

import "github.com/guanxi-crm/guanxi/internal/wiring"

// wireLeadImports lets the importer create leads: through the lead
// service, with the owners and teams a file names found in the accounts.
func (a *App) wireLeadImports() {
	a.Importer.Leads = a.Leads
	a.Importer.Directory = wiring.ImportDirectory(a.Accounts)
}
