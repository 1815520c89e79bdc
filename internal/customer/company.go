package customer

import "time"

// Company sizes, as bands of employees.
var CompanySizes = []string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+"}

// CompanyFields are the fields a client writes.
type CompanyFields struct {
	Name     string         `json:"name" required:"false" maxLength:"200" doc:"Required on create"`
	Domain   string         `json:"domain" required:"false" maxLength:"253" doc:"Web domain, stored without scheme or www (example.com.tw)"`
	Industry string         `json:"industry" required:"false" maxLength:"100"`
	Size     string         `json:"size" required:"false" enum:"1-10,11-50,51-200,201-500,501-1000,1001-5000,5001+," doc:"Employees"`
	Address  Address        `json:"address" required:"false"`
	Tags     []string       `json:"tags" required:"false" maxItems:"50" nullable:"false"`
	OwnerID  *int64         `json:"owner_id" required:"false"`
	TeamID   *int64         `json:"team_id" required:"false"`
	Custom   map[string]any `json:"custom" required:"false" doc:"Values of the company custom fields, by key"`
}

// Company is an organisation: a customer, a prospect's employer, a supplier.
type Company struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	CompanyFields
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	DeletedAt  *time.Time `json:"deleted_at,omitempty"`
	Restricted bool       `json:"restricted,omitempty" doc:"True when the caller may see only the basic card of this company"`
}

// BasicCard is what anyone signed in may see of a company.
func (c *Company) BasicCard() *Company {
	return &Company{
		ID:      c.ID,
		Version: c.Version,
		CompanyFields: CompanyFields{
			Name:     c.Name,
			Domain:   c.Domain,
			Industry: c.Industry,
			Size:     c.Size,
			OwnerID:  c.OwnerID,
			TeamID:   c.TeamID,
			Tags:     []string{},
			Custom:   map[string]any{},
		},
		CreatedAt:  c.CreatedAt,
		UpdatedAt:  c.UpdatedAt,
		DeletedAt:  c.DeletedAt,
		Restricted: true,
	}
}

func (c *Company) Ownership() (owner, team *int64) { return c.OwnerID, c.TeamID }
