package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// The customers list: search as you type (Chinese substrings included: the
// service searches), a page at a time by keyset cursor.

// customersPageSize is how many customers a page shows.
const customersPageSize = 25

// maxQuery bounds a search, as the API does.
const maxQuery = 200

type customersPage struct {
	page
	Query    string
	Cursor   string
	Items    []*customer.Contact
	Total    *crm.Total
	NextURL  string
	FirstURL string
}

func (h *Web) customersPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	query := strings.TrimSpace(q.Get("q"))
	if utf8.RuneCountInString(query) > maxQuery {
		var v crm.Violations
		v.Add("q", "too_long", "max", maxQuery)
		return v.Err("web.customers")
	}
	cursor := q.Get("cursor")
	page, err := h.deps.Customers.ListContacts(r.Context(), customer.ListParams{
		Query: query, Cursor: cursor, Limit: customersPageSize,
	})
	if err != nil {
		return err
	}
	data := &customersPage{page: h.page(r, "customers.title"), Query: query, Cursor: cursor, Items: page.Items, Total: page.Total}
	data.Nav = "customers"
	if page.Next != "" {
		data.NextURL = customersURL(query, page.Next)
	}
	if cursor != "" {
		data.FirstURL = customersURL(query, "")
	}
	if isFragment(r) && r.Header.Get("HX-Target") == "results" {
		h.render(w, r, http.StatusOK, "customers", "results", data)
		return nil
	}
	h.render(w, r, http.StatusOK, "customers", "page", data)
	return nil
}

// customersURL is the address of a page of the list.
func customersURL(query, cursor string) string {
	v := url.Values{}
	if query != "" {
		v.Set("q", query)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return "/customers"
	}
	return "/customers?" + v.Encode()
}
