package api

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// IDPath is the {id} of a record's URL.
type IDPath struct {
	ID int64 `path:"id" minimum:"1" doc:"Record id"`
}

// IfMatch carries the version a client last read, for optimistic
// concurrency.
type IfMatch struct {
	IfMatch string `header:"If-Match" doc:"ETag of the version you last read (\"3\"); the change is refused with 412 if the record has changed since. Omit it to write regardless"`
}

// version parses If-Match: "" and * mean any version.
func (m IfMatch) version() (int64, error) {
	v := strings.TrimSpace(m.IfMatch)
	if v == "" || v == "*" {
		return 0, nil
	}
	v = strings.TrimPrefix(v, "W/")
	n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
	if err != nil || n <= 0 || !strings.HasPrefix(v, `"`) || !strings.HasSuffix(v, `"`) {
		return 0, crm.E("api.IfMatch", crm.KindMalformed, "invalid_if_match")
	}
	return n, nil
}

// etag renders a version as an ETag.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// PageParams are the parameters every list takes.
type PageParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Items per page"`
	Cursor string `query:"cursor" maxLength:"2000" doc:"The next cursor of the previous page"`
}

// ListParams are the parameters of contact and company lists. Filters come
// as filter[field]=value or filter[field][op]=value and are read from the raw
// query by Resolve, since their names are open-ended.
type ListParams struct {
	PageParams
	Q       string `query:"q" maxLength:"200" doc:"Search: names (Chinese substrings of any length), email, phone digits, company"`
	Sort    string `query:"sort" maxLength:"60" doc:"Field to sort by, - for descending (default -id: newest first)" example:"-created_at"`
	Deleted string `query:"deleted" enum:"only,include," doc:"only: the trash; include: live and deleted"`
	Total   bool   `query:"total" default:"true" doc:"Count the matches on the first page (up to 10,000; beyond, total.exact is false)"`

	conditions []customer.Condition
}

// Resolve reads the filter[…] parameters.
func (p *ListParams) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	conds, err := ParseFilters(u.Query())
	if err != nil {
		return []error{err}
	}
	p.conditions = conds
	return nil
}

func (p *ListParams) domain() customer.ListParams {
	return customer.ListParams{
		Query: p.Q, Conditions: p.conditions, Sort: p.Sort, Limit: p.Limit, Cursor: p.Cursor,
		Deleted: customer.Deleted(p.Deleted), NoTotal: !p.Total,
	}
}

var (
	filterKey  = regexp.MustCompile(`^filter\[([a-z][a-z0-9_.]{0,60})\](?:\[([a-z]+)\])?$`)
	filterOps  = []customer.Op{customer.OpEq, customer.OpNe, customer.OpIn, customer.OpGt, customer.OpGte, customer.OpLt, customer.OpLte, customer.OpPrefix, customer.OpExists}
	maxFilters = 20
)

// ParseFilters reads filter[field]=v and filter[field][op]=v parameters.
// "in" takes a comma-separated list; the others one value.
func ParseFilters(q url.Values) ([]customer.Condition, error) {
	var conds []customer.Condition
	keys := make([]string, 0, len(q))
	for k := range q {
		if strings.HasPrefix(k, "filter") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		m := filterKey.FindStringSubmatch(k)
		if m == nil {
			return nil, &huma.ErrorDetail{Location: "query." + k, Message: "invalid_filter", Value: k}
		}
		op := customer.Op(m[2])
		if op == "" {
			op = customer.OpEq
		}
		if !slices.Contains(filterOps, op) {
			return nil, &huma.ErrorDetail{Location: "query." + k, Message: "invalid_filter", Value: k}
		}
		for _, v := range q[k] {
			if !crm.ValidText(v) {
				return nil, &huma.ErrorDetail{Location: "query." + k, Message: crm.CodeInvalidText}
			}
			values := []string{v}
			if op == customer.OpIn {
				values = strings.Split(v, ",")
			}
			conds = append(conds, customer.Condition{Field: m[1], Op: op, Values: values})
		}
		if len(conds) > maxFilters {
			return nil, &huma.ErrorDetail{Location: "query.filter", Message: fmt.Sprintf("expected array length <= %d", maxFilters)}
		}
	}
	return conds, nil
}

// filterParam documents the filter parameters of a list.
func filterParam(fields []string) *huma.Param {
	return &huma.Param{
		Name: "filter", In: "query", Style: "deepObject", Explode: ptr(true),
		Description: "Filters, all of which must match: filter[field]=value (equals) or filter[field][op]=value with op one of " +
			"eq, ne, in (comma-separated values), gt, gte, lt, lte, prefix, exists (true/false). Fields: " +
			strings.Join(fields, ", ") + ", and custom.<key> for custom fields. Times take RFC 3339 or YYYY-MM-DD; owner_id takes \"me\".",
		Schema: &huma.Schema{Type: "object", AdditionalProperties: true},
		Examples: map[string]*huma.Example{
			"city":   {Summary: "In one city", Value: map[string]any{"city": "台北市"}},
			"stages": {Summary: "In some stages", Value: map[string]any{"lifecycle_stage": map[string]any{"in": "customer,loyal"}}},
		},
	}
}

// ListBody is a page of a list.
type ListBody[T any] struct {
	Items   []T        `json:"items" nullable:"false"`
	Next    string     `json:"next,omitempty" doc:"Cursor of the next page; absent on the last"`
	NextURL string     `json:"next_url,omitempty" doc:"URL of the next page"`
	Total   *crm.Total `json:"total,omitempty" doc:"Matches of the whole list, on the first page"`
}

// ListOutput is a page with its Link header.
type ListOutput[T any] struct {
	Link string `header:"Link" doc:"<next page>; rel=\"next\""`
	Body ListBody[T]
}

// pageOutput renders a page, with the URL of the next one built from the
// request's own query.
func pageOutput[T any](ctx context.Context, page crm.Page[T]) *ListOutput[T] {
	out := &ListOutput[T]{Body: ListBody[T]{Items: page.Items, Next: page.Next, Total: page.Total}}
	if page.Next != "" {
		if u, ok := ctx.Value(requestURLKey{}).(*url.URL); ok {
			q := u.Query()
			q.Set("cursor", page.Next)
			q.Del("total")
			next := u.Path + "?" + q.Encode()
			out.Body.NextURL = next
			out.Link = "<" + next + `>; rel="next"`
		}
	}
	return out
}

// requestURLKey keeps the request URL in the context for next links.
type requestURLKey struct{}
