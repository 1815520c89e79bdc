package customer

import "github.com/guanxi-crm/guanxi/internal/crm"

// Contacts and companies are owned by a user and a team, and the rules of
// who reads and writes them are crm's (Principal.ReadsRecord, WritesRecord).
// What is particular to the customer database: someone who may not read a
// record in full sees its basic card (names, companies, owner, stage), and
// finds it by those alone.

// ReadScope is what a principal may read in full, for a store to filter by.
type ReadScope = crm.ReadScope
