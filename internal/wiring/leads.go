// Package wiring adapts domain services to what other domain services ask
// of them, through the small interfaces those declare: the app composes
// them, and the store conformance suite wires them the same way without the
// rest of the app.
package wiring

import (
	"context"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// LeadJobs, LeadCustomers and LeadDeals adapt the job system and the
// customer and sales services to what the lead service asks of them.
func LeadJobs(j *jobs.Service) lead.Jobs                { return leadJobs{j} }
func LeadCustomers(cs *customer.Service) lead.Customers { return leadCustomers{cs} }
func LeadDeals(s *sales.Service) lead.Deals             { return leadDeals{s} }

// leadJobs enqueues the lead service's jobs.
type leadJobs struct{ jobs *jobs.Service }

func (j leadJobs) Enqueue(ctx context.Context, kind, key string, payload any, runAt time.Time) error {
	_, err := j.jobs.Enqueue(ctx, jobs.Spec{Kind: kind, Key: key, Payload: payload, RunAt: runAt})
	return err
}

// leadCustomers is what converting a lead asks of the customer database.
type leadCustomers struct{ cs *customer.Service }

func (c leadCustomers) CreateContact(ctx context.Context, n lead.NewContact) (int64, error) {
	f := customer.ContactFields{DisplayName: n.Name, OwnerID: n.OwnerID, TeamID: n.TeamID, LifecycleStage: customer.StageProspect}
	if n.Email != "" {
		f.Emails = []customer.Email{{Address: n.Email}}
	}
	if n.Phone != "" {
		number, ext, _ := strings.Cut(n.Phone, ";ext=")
		f.Phones = []customer.Phone{{Number: number, Ext: ext}}
	}
	results, err := c.cs.CreateContacts(ctx, []customer.ContactFields{f}, customer.WriteOptions{Source: "lead"})
	if err != nil {
		return 0, err
	}
	return results[0].ID, results[0].Err
}

func (c leadCustomers) CreateCompany(ctx context.Context, n lead.NewCompany) (int64, error) {
	results, err := c.cs.CreateCompanies(ctx, []customer.CompanyFields{{Name: n.Name, Size: n.Size, Domain: n.Domain,
		OwnerID: n.OwnerID, TeamID: n.TeamID}})
	if err != nil {
		return 0, err
	}
	return results[0].ID, results[0].Err
}

func (c leadCustomers) AddPosition(ctx context.Context, contactID, companyID int64, title string) error {
	_, err := c.cs.CreatePosition(ctx, customer.PositionFields{ContactID: contactID, CompanyID: companyID, Title: title})
	return err
}

func (c leadCustomers) WritableContact(ctx context.Context, id int64) (int64, error) {
	live, refused, err := c.cs.WritableContacts(ctx, []int64{id})
	if err != nil {
		return 0, err
	}
	if err := refused[id]; err != nil {
		return 0, err
	}
	return live[id], nil
}

func (c leadCustomers) ReadableCompany(ctx context.Context, id int64) error {
	refused, err := c.cs.ReadableCompanies(ctx, []int64{id})
	if err != nil {
		return err
	}
	return refused[id]
}

// leadDeals is what converting a lead asks of sales.
type leadDeals struct{ s *sales.Service }

func (d leadDeals) CreateDeal(ctx context.Context, n lead.NewDeal) (int64, error) {
	in := sales.DealInput{
		DealFields: sales.DealFields{Name: n.Name, Amount: n.Amount, ExpectedCloseOn: n.ExpectedCloseOn, OwnerID: n.OwnerID,
			TeamID: n.TeamID, CompanyID: n.CompanyID, NextStep: n.NextStep,
			Contacts: []sales.DealContact{{ContactID: n.ContactID, Role: n.ContactRole}}},
		PipelineID: n.PipelineID, StageID: n.StageID, Currency: n.Currency,
	}
	results, err := d.s.CreateDeals(ctx, []sales.DealInput{in})
	if err != nil {
		return 0, err
	}
	return results[0].ID, results[0].Err
}
