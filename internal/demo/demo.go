// Package demo makes realistic demo data — Taiwanese, mainland Chinese and
// English-speaking people, their companies and buying committees, the users
// and teams who own them — and loads it through the domain services.
//
// Generation is pure and deterministic: Generate(seed, n) returns the same
// Dataset for the same arguments, on every machine and every day (its dates
// lie before 1 January 2026), so benchmarks can build the same data set
// twice. Load writes a Dataset through customer.Service and
// account.Service in batches, so every record passes the same validation as
// the API's.
package demo

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Culture is where a person or company comes from, which decides how names,
// addresses and phone numbers are written.
type Culture string

const (
	// CultureTaiwan writes Traditional Chinese names (陳冠宇) and Taiwanese
	// numbers (0912-345-678).
	CultureTaiwan Culture = "tw"
	// CultureMainland writes Simplified Chinese names (张伟) and mainland
	// numbers (138 0013 8000).
	CultureMainland Culture = "cn"
	// CultureEnglish writes English names and numbers of the US, the UK,
	// Australia, Singapore and Canada.
	CultureEnglish Culture = "en"
)

// epoch is the moment the demo data describes: every date it holds (consent,
// first purchases, positions) lies before it, so that the same seed gives the
// same data whenever it is generated.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// DuplicateRate is the share of contacts made as likely duplicates of
// another (same email, same phone, or a near-identical name at the same
// company), for the duplicates screen to find.
const DuplicateRate = 0.01

// Dataset is a generated set of demo records. Records refer to each other by
// index (Owner into Users, Company into Companies, …), because ids exist
// only once Load has written them. -1 means none.
type Dataset struct {
	Seed      int64
	Users     []User
	Teams     []string
	FieldDefs []customer.FieldDefFields
	Tags      []customer.TagFields
	Companies []Company
	Contacts  []Contact
	// Positions are ordered so that the person a position reports to holds
	// a position at that company earlier in the list.
	Positions []Position
}

// User is a user of the demo with the teams they belong to.
type User struct {
	Fields account.UserFields
	Teams  []int
}

// Company is a demo company; Fields.OwnerID and TeamID are left unset.
type Company struct {
	Fields      customer.CompanyFields
	Culture     Culture
	Owner, Team int
}

// Contact is a demo person; Fields.OwnerID and TeamID are left unset, and
// Fields.Phones are written the way people of PhoneCountries write them at
// home (0912-345-678, (415) 555-0123): see PhonesFor.
type Contact struct {
	Fields  customer.ContactFields
	Culture Culture
	// PhoneCountries[i] is the country (ISO 3166) of Fields.Phones[i], and
	// IntlPhones[i] the same number written with its country code.
	PhoneCountries []string
	IntlPhones     []string
	Owner, Team    int
	// Company is the company of the contact's current position.
	Company int
	// DuplicateOf is the contact this one is a likely duplicate of.
	DuplicateOf int
}

// PhonesFor returns the contact's phones as someone in region (the server's
// default region, ISO 3166) writes them: numbers of that country as at home,
// the others with their country code, so that every number normalises to
// the right E.164 whatever the region.
func (c *Contact) PhonesFor(region string) []customer.Phone {
	out := make([]customer.Phone, len(c.Fields.Phones))
	for i, p := range c.Fields.Phones {
		if !strings.EqualFold(c.PhoneCountries[i], region) {
			p.Number = c.IntlPhones[i]
		}
		out[i] = p
	}
	return out
}

// Position is a contact's job at a company; the ids in Fields are unset.
type Position struct {
	Fields    customer.PositionFields
	Contact   int
	Company   int
	ReportsTo int
}

// Generate makes a data set of n contacts (about 1% of them likely
// duplicates of others), with a company for every ten and a buying committee
// at most of those, from seed.
func Generate(seed int64, n int) *Dataset {
	g := &gen{
		r:       rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		ds:      &Dataset{Seed: seed},
		emails:  map[string]bool{},
		phones:  map[string]bool{},
		names:   map[string]bool{},
		domains: map[string]bool{},
	}
	n = max(n, 0)
	g.users()
	g.vocabulary()
	dups := int(float64(n) * DuplicateRate)
	main := n - dups
	g.ds.Companies = make([]Company, 0, (main+9)/10)
	for range (main + 9) / 10 {
		g.ds.Companies = append(g.ds.Companies, g.company())
	}
	g.contacts(main)
	g.duplicates(dups)
	return g.ds
}

// gen holds the random source and what has been used, so that emails, phone
// numbers, company names and domains are unique except where a duplicate is
// meant.
type gen struct {
	r                              *rand.Rand
	ds                             *Dataset
	emails, phones, names, domains map[string]bool
}

func (g *gen) intn(n int) int                  { return g.r.IntN(n) }
func (g *gen) chance(p float64) bool           { return g.r.Float64() < p }
func (g *gen) between(lo, hi int) int          { return lo + g.r.IntN(hi-lo+1) }
func pick[T any](g *gen, xs []T) T             { return xs[g.r.IntN(len(xs))] }
func digits(g *gen, n int) string              { return digitsFrom(g, n, "0123456789") }
func (g *gen) daysBefore(lo, hi int) time.Time { return epoch.AddDate(0, 0, -g.between(lo, hi)) }

func digitsFrom(g *gen, n int, first string) string {
	b := make([]byte, n)
	for i := range b {
		if i == 0 {
			b[i] = first[g.intn(len(first))]
		} else {
			b[i] = byte('0' + g.intn(10))
		}
	}
	return string(b)
}

// chooser picks items by weight.
type chooser[T any] struct {
	items []T
	cum   []int
}

func newChooser[T any](items []T, weight func(T) int) chooser[T] {
	c := chooser[T]{items: items, cum: make([]int, len(items))}
	total := 0
	for i, it := range items {
		total += weight(it)
		c.cum[i] = total
	}
	return c
}

func (c chooser[T]) pick(g *gen) T {
	x := g.intn(c.cum[len(c.cum)-1])
	return c.items[sort.Search(len(c.cum), func(i int) bool { return c.cum[i] > x })]
}

func weighted[T any](g *gen, c chooser[T]) T { return c.pick(g) }

var (
	chooseTWSurname = newChooser(twSurnames, func(s surname) int { return s.weight })
	chooseCNSurname = newChooser(cnSurnames, func(s surname) int { return s.weight })
	chooseENSurname = newChooser(enSurnames, func(s surname) int { return s.weight })
	chooseTWPlace   = newChooser(twPlaces, func(p place) int { return p.weight })
	chooseCNPlace   = newChooser(cnPlaces, func(p place) int { return p.weight })
	chooseENPlace   = newChooser(enPlaces, func(p enPlace) int { return p.weight })
	chooseTWCore    = newChooser(twCores, func(c core) int { return c.weight })
	chooseCNCore    = newChooser(cnCores, func(c core) int { return c.weight })
	chooseENCore    = newChooser(enCores, func(c core) int { return c.weight })
	chooseSize      = newChooser([]int{0, 1, 2, 3, 4, 5, 6}, func(i int) int { return sizeBands[i].weight })
	chooseCulture   = newChooser([]Culture{CultureTaiwan, CultureMainland, CultureEnglish}, func(c Culture) int {
		return map[Culture]int{CultureTaiwan: 55, CultureMainland: 20, CultureEnglish: 25}[c]
	})
	// The lifecycle funnel: many leads and prospects, fewer customers, some
	// loyal and some lapsed.
	chooseStage = newChooser(customer.Stages, func(s customer.LifecycleStage) int {
		return map[customer.LifecycleStage]int{customer.StageLead: 38, customer.StageProspect: 24,
			customer.StageCustomer: 20, customer.StageLoyal: 9, customer.StageLapsed: 9}[s]
	})
)

func (g *gen) users() {
	g.ds.Teams = slices.Clone(demoTeams)
	for _, u := range demoUsers {
		g.ds.Users = append(g.ds.Users, User{
			Fields: account.UserFields{Email: u.handle + "@" + userDomain, Name: u.name, Role: crm.Role(u.role), Language: u.lang},
			Teams:  slices.Clone(u.teams),
		})
	}
}

func (g *gen) vocabulary() {
	for _, t := range demoTags {
		g.ds.Tags = append(g.ds.Tags, customer.TagFields{Name: t.name, Color: t.color})
	}
	zh := func(hant, hans string) map[string]string { return map[string]string{"zh-Hant": hant, "zh-Hans": hans} }
	g.ds.FieldDefs = []customer.FieldDefFields{
		{RecordType: customer.RecordContact, Key: FieldMembershipTier, Type: customer.FieldSelect, Position: 1,
			Label: "Membership tier", Labels: zh("會員等級", "会员等级"),
			Options: []customer.Option{
				{Value: "standard", Label: "Standard", Labels: zh("一般會員", "普通会员")},
				{Value: "silver", Label: "Silver", Labels: zh("銀卡會員", "银卡会员")},
				{Value: "gold", Label: "Gold", Labels: zh("金卡會員", "金卡会员")},
				{Value: "platinum", Label: "Platinum", Labels: zh("白金會員", "白金会员")},
			}},
		{RecordType: customer.RecordContact, Key: FieldAnnualBudget, Type: customer.FieldMoney, Currency: "TWD", Position: 2,
			Label: "Annual budget", Labels: zh("年度預算", "年度预算")},
		{RecordType: customer.RecordContact, Key: FieldFirstPurchaseOn, Type: customer.FieldDate, Position: 3,
			Label: "First purchase", Labels: zh("首次購買日", "首次购买日")},
		{RecordType: customer.RecordCompany, Key: FieldPaymentTerms, Type: customer.FieldSelect, Position: 1,
			Label: "Payment terms", Labels: zh("付款條件", "付款条件"),
			Options: []customer.Option{
				{Value: "net30", Label: "Net 30", Labels: zh("月結30天", "月结30天")},
				{Value: "net60", Label: "Net 60", Labels: zh("月結60天", "月结60天")},
				{Value: "cod", Label: "Cash on delivery", Labels: zh("貨到付款", "货到付款")},
				{Value: "prepaid", Label: "Prepaid", Labels: zh("預付", "预付")},
			}},
	}
}

// ownership picks an owner and team for a record of a culture: mostly one
// of its agents, sometimes their manager, sometimes the team's queue with no
// owner; big accounts go to Key Accounts.
func (g *gen) ownership(c Culture, bigAccount bool) (owner, team int) {
	a := agentsOf[c]
	if bigAccount && g.chance(0.6) {
		a = agentsOf[CultureEnglish] // the Key Accounts team
	}
	switch x := g.r.Float64(); {
	case x < 0.08:
		return -1, a.team
	case x < 0.13:
		return a.manager, a.team
	default:
		return pick(g, a.agents), a.team
	}
}
