package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The web UI's pages (issue 6: "pages render in ≤ 100 ms server time at
// 100k contacts"). Each page is fetched one at a time, so that its latency
// is the server's time to render it (plus a loopback round trip), beside
// the API call that reads the same data as JSON: the ratio is what the
// HTML costs over the data.

// viaAPI is a page's baseline row: the API call behind the page.
const viaAPI = "api"

// pageTargetMS is issue 6's bound on a page's server time.
const pageTargetMS = 100

// page is one screen of the UI and the API call that reads its data.
type page struct {
	key, title string
	// paths give client w's next page and API paths.
	paths func(e *env) func() (page, api string)
	// sales says the page shows the sales scenarios' deals.
	sales bool
	// change, when set, changes the data before each fetch (untimed), so
	// that the page cannot be served from what it kept of the last one.
	change func(ctx context.Context, e *env) error
}

var pages = []page{
	{key: "dashboard", title: "the dashboard", paths: fixedPaths("/", "/api/v1/reports/overview")},
	{key: "dashboard.changed", title: "the dashboard, after a new order each time", paths: fixedPaths("/", "/api/v1/reports/overview"), change: placeOrder},
	{key: "customers", title: "the customers, first page", paths: fixedPaths("/customers", "/api/v1/contacts?limit=50")},
	{key: "search", title: "the customers, searched in Chinese (2 characters)", paths: searchPaths},
	{key: "customer", title: "a customer's 360 page", paths: customerPaths},
	{key: "segments", title: "the segments", paths: fixedPaths("/segments", "/api/v1/segments")},
	{key: "insight", title: "the insight", paths: fixedPaths("/insight", "/api/v1/insight")},
	{key: "pipeline", title: "the pipeline board, the forecast scenario's open deals", sales: true, paths: fixedPaths("/pipeline", "/api/v1/deals?limit=50")},
	{key: "forecast", title: "the forecast page, the same deals", sales: true, paths: fixedPaths("/forecast", "/api/v1/sales/forecast")},
	{key: "leads", title: "the leads", paths: fixedPaths("/leads", "/api/v1/leads?limit=50")},
	{key: "tasks", title: "my tasks", paths: fixedPaths("/tasks", "/api/v1/activities/mine")},
}

func fixedPaths(page, api string) func(*env) func() (string, string) {
	return func(*env) func() (string, string) { return func() (string, string) { return page, api } }
}

// placeOrder places a sale of a guest through the API: the dashboard's
// figures then differ from those it kept, and it adds them up again.
func placeOrder(ctx context.Context, e *env) error {
	body := []byte(`{"channel": "web", "status": "paid", "lines": [{"name": "bench", "quantity": 1, "unit_price": 10000}]}`)
	status, resp, _, err := e.api.do(ctx, http.MethodPost, "/api/v1/orders", body, []string{"Content-Type", "application/json"})
	if err == nil && status != http.StatusCreated {
		err = fmt.Errorf("placing an order: %d %.200s", status, resp)
	}
	return err
}

func searchPaths(e *env) func() (string, string) {
	next := termPicker(e, 0, searchZh2)
	return func() (string, string) {
		term, _ := next()
		q := url.QueryEscape(term)
		return "/customers?q=" + q, "/api/v1/contacts?limit=50&q=" + q
	}
}

func customerPaths(e *env) func() (string, string) {
	r := e.rng(0, 0x360)
	return func() (string, string) {
		id := strconv.FormatInt(e.randomID(r), 10)
		return "/customers/" + id, "/api/v1/contacts/" + id + "/timeline?limit=50"
	}
}

// pageScenarios are the pages' scenarios, in the group "pages".
func pageScenarios() []*scenario {
	out := make([]*scenario, len(pages))
	for i, p := range pages {
		s := &scenario{key: "page." + p.key, group: "pages", title: "page: " + p.title, unit: "req",
			vias: []string{viaAPI, viaHTTP}}
		if p.sales {
			s.prepare = prepareSales
		}
		s.run = func(ctx context.Context, e *env, s *scenario, rep *Report) error { return runPage(ctx, e, s, rep, p) }
		out[i] = s
	}
	return out
}

func runPage(ctx context.Context, e *env, s *scenario, rep *Report, p page) error {
	next := p.paths(e)
	var pagePath, apiPath string
	fetch := func(ctx context.Context, html bool) result {
		if html {
			pagePath, apiPath = next()
		}
		if p.change != nil {
			if err := p.change(ctx, e); err != nil {
				return result{err: err}
			}
			// Only the fetch is timed.
			t0 := time.Now()
			res := fetchPath(ctx, e, html, pagePath, apiPath)
			res.latency = max(time.Since(t0), time.Nanosecond)
			return res
		}
		return fetchPath(ctx, e, html, pagePath, apiPath)
	}
	// The API row first, each time with the paths the page row used last,
	// so that both read the same records.
	pagePath, apiPath = next()
	apiRow, err := e.measureSeq(ctx, rep, s, viaAPI, func(ctx context.Context) result { return fetch(ctx, false) })
	if err != nil {
		return err
	}
	httpRow, err := e.measureSeq(ctx, rep, s, viaHTTP, func(ctx context.Context) result { return fetch(ctx, true) })
	if err != nil {
		return err
	}
	httpRow.ratio(apiRow, "api")
	httpRow.Target = latencyTarget(fmt.Sprintf("p50 ≤ %d ms server time", pageTargetMS), pageTargetMS, httpRow)
	return nil
}

// fetchPath fetches a page (html) or its API call, and checks the answer.
func fetchPath(ctx context.Context, e *env, html bool, pagePath, apiPath string) result {
	path := apiPath
	if html {
		path = pagePath
	}
	res, body := e.api.get(ctx, path)
	if res.err == nil && res.status != http.StatusOK {
		return res // the row counts the status as a problem
	}
	if res.err == nil && html && !bytes.Contains(body, []byte(`<main id="main"`)) {
		res.wrong = fmt.Sprintf("%s is not a page: %.100s", path, body)
	}
	return res
}
