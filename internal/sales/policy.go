package sales

import "github.com/guanxi-crm/guanxi/internal/crm"

// Deals are owned as contacts are, by a user and a team, and the rules of
// who reads and writes them are crm's (Principal.ReadsRecord, WritesRecord);
// only admins manage pipelines. A deal one may not read is not shown at
// all: no basic card, unlike a contact.

// ReadScope is what a principal may read, for a store to filter by.
type ReadScope = crm.ReadScope
