package customer

import "time"

// BuyingRole is the part a person plays in their organisation's purchases.
type BuyingRole string

const (
	RoleDecisionMaker BuyingRole = "decision_maker"
	RoleInfluencer    BuyingRole = "influencer"
	RoleUser          BuyingRole = "user"
	RolePurchasing    BuyingRole = "purchasing"
	RoleGatekeeper    BuyingRole = "gatekeeper"
)

// BuyingRoles lists the buying roles.
var BuyingRoles = []BuyingRole{RoleDecisionMaker, RoleInfluencer, RoleUser, RolePurchasing, RoleGatekeeper}

// Position status.
const (
	PositionCurrent = "current"
	PositionPast    = "past"
)

// PositionFields are the fields a client writes.
type PositionFields struct {
	ContactID   int64      `json:"contact_id" required:"false" doc:"Required on create; fixed afterwards"`
	CompanyID   int64      `json:"company_id" required:"false" doc:"Required on create; fixed afterwards"`
	Title       string     `json:"title" required:"false" maxLength:"200" example:"採購經理"`
	Department  string     `json:"department" required:"false" maxLength:"200"`
	BuyingRole  BuyingRole `json:"buying_role" required:"false" enum:"decision_maker,influencer,user,purchasing,gatekeeper,"`
	Influence   int        `json:"influence" required:"false" minimum:"0" maximum:"5" doc:"1 (little) to 5 (decisive); 0 when not rated"`
	ReportsToID *int64     `json:"reports_to_id" required:"false" doc:"Contact this person reports to; must hold a position at the same company"`
	Status      string     `json:"status" required:"false" enum:"current,past," doc:"Defaults to current"`
	StartedOn   string     `json:"started_on" required:"false" doc:"YYYY-MM-DD"`
	EndedOn     string     `json:"ended_on" required:"false" doc:"YYYY-MM-DD"`
}

// Position is a person's job at a company: the edge of the buying
// organisation's chart.
type Position struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	PositionFields
	ContactName string    `json:"contact_name" doc:"Read-only"`
	CompanyName string    `json:"company_name" doc:"Read-only"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}
