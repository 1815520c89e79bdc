package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// env is what the scenarios run against.
type env struct {
	cfg *Config
	app *app.App
	d   *data
	// svc carries the clients' principal, for the service path.
	svc context.Context
	// api is a client of the server, bare of the bare handlers.
	api, bare  *client
	lookupName string
	mem        *memorySampler
	// update is the update scenario's state.
	update *updateState
	// sales is the sales scenarios' state.
	sales *salesState
	// nextBatch is the next batch of each half of the create pool.
	nextBatch [2]atomic.Int64
}

// The paths a scenario is measured over.
const (
	viaHTTP    = "http"
	viaService = "service"
	viaBare    = "bare"
)

// scenario is one operation, measured over HTTP and through the service.
type scenario struct {
	key   string // for --scenario and the JSON report
	group string // "search" for the search kinds
	title string
	// unit is what ops/s counts: "req", or "contacts" for create.
	unit string
	// target is BENCHMARKS.md's, for the HTTP row.
	target func(e *env, http, service, lookup *Row) *Target
	// prepare runs once, untimed, before the measurements.
	prepare func(ctx context.Context, e *env) error
	// http and service make client w's operation.
	http, service func(e *env, w int) op
	// run, when set, measures the scenario instead of http and service:
	// the analytics scenarios, measured one at a time beside baselines of
	// their own, adding their rows and notes to the report.
	run func(ctx context.Context, e *env, s *scenario, rep *Report) error
	// vias are the rows run makes, in order (nil: service and http).
	vias []string
	// shop says the scenario reads the shop data (events and orders of
	// every contact); groceries that it reads the Groceries baskets loaded
	// as orders.
	shop, groceries bool
}

// allScenarios are the scenarios in the order they run: create last, since
// it grows the data set the others read; the analytics scenarios before
// timeline and ingest, whose events would change the segment's answer; the
// web UI's pages after the sales scenarios, whose deals the board shows.
var allScenarios = slices.Concat([]*scenario{
	{key: "get", title: "get contact by id", unit: "req", target: getTarget, http: getHTTP, service: getService},
	{key: "list", title: "list city, newest first, 50/page", unit: "req", target: rateTarget(4000), http: listHTTP, service: listService},
	searchScenario(searchName, "search name prefix (Latin)"),
	searchScenario(searchZh2, "search Chinese, 2 characters"),
	searchScenario(searchZh3, "search Chinese, 3 characters"),
	searchScenario(searchPhone, "search phone digits"),
	{key: "update", title: "update (PATCH, If-Match)", unit: "req", target: rateTarget(5000), prepare: prepareUpdate, http: updateHTTP, service: updateService},
	{key: "segment", group: "analytics", title: "segment count: ≥ 5 visits in 90 days, bought A and B", unit: "runs", shop: true, run: runSegment,
		vias: []string{viaSQL, viaStore, viaService, viaHTTP}},
	{key: "rfm", group: "analytics", title: "RFM scores of every customer", unit: "runs", shop: true, run: runRFM,
		vias: []string{viaGo, viaSQL, viaStore, viaService}},
	{key: "clv", group: "analytics", title: "BG/NBD + Gamma-Gamma fit, CDNOW", unit: "runs", run: runCLV,
		vias: []string{viaGo}},
	{key: "basket", group: "analytics", title: "association rules, Groceries, support 0.001", unit: "runs", groceries: true, run: runBasket,
		vias: []string{viaGo, viaService, viaHTTP}},
	{key: "timeline", title: "timeline of a contact, 50 a page", unit: "req", target: noTarget, prepare: prepareTimeline, http: timelineHTTP, service: timelineService},
	{key: "ingest", title: "ingest events, NDJSON batches of 1,000 (100 below 10,000 contacts)", unit: "events", target: ingestTarget, http: ingestHTTP, service: ingestService},
	{key: "forecast", title: "forecast, 10,000 open deals (fewer below 10,000 contacts)", unit: "req", target: noTarget, prepare: prepareSales, http: forecastHTTP, service: forecastService},
	{key: "move", title: "move a deal (If-Match)", unit: "req", target: noTarget, prepare: prepareSales, http: moveHTTP, service: moveService},
}, pageScenarios(), []*scenario{
	{key: "create", title: "create, batches of 500", unit: "contacts", target: createTarget, prepare: prepareCreate, http: createHTTP, service: createService},
})

func searchScenario(key, title string) *scenario {
	return &scenario{key: key, group: "search", title: title, unit: "req", target: searchTarget,
		http: func(e *env, w int) op { return searchHTTP(e, w, key) }, service: func(e *env, w int) op { return searchService(e, w, key) }}
}

// rng is client w's random source: the same sequence in every run.
func (e *env) rng(w int, salt uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(e.cfg.Seed)+uint64(w), salt))
}

func (e *env) randomID(r *rand.Rand) int64 { return e.d.ids[r.IntN(len(e.d.ids))] }

// get: a contact by id, chosen at random among the loaded ones.

func getHTTP(e *env, w int) op {
	r := e.rng(w, 1)
	return func(ctx context.Context) result {
		id := strconv.FormatInt(e.randomID(r), 10)
		res, body := e.api.get(ctx, "/api/v1/contacts/"+id)
		if res.err == nil && res.status == http.StatusOK && !bytes.HasPrefix(body, []byte(`{"id":`+id+`,`)) {
			res.wrong = fmt.Sprintf("contact %s answered %.100s", id, body)
		}
		return res
	}
}

func getService(e *env, w int) op {
	r := e.rng(w, 1)
	return func(ctx context.Context) result {
		id := e.randomID(r)
		c, err := e.app.Customers.GetContact(e.svc, id)
		if err == nil && c.ID != id {
			return result{wrong: fmt.Sprintf("contact %d read as %d", id, c.ID)}
		}
		return result{err: err}
	}
}

// list: the contacts of a city, newest first, 50 a page; half the time the
// next page of the client's previous one (while there is one), half the
// time the first page of a city drawn at random (which also counts the
// matches, as the API does by default, unless the run says NoTotal).

const pageSize = 50

func listHTTP(e *env, w int) op {
	r := e.rng(w, 2)
	var next string // next_url of the previous page
	return func(ctx context.Context) result {
		path := next
		if path == "" || r.IntN(2) == 0 {
			path = "/api/v1/contacts?filter%5Bcity%5D=" + url.QueryEscape(e.d.cities[r.IntN(len(e.d.cities))]) +
				"&limit=" + strconv.Itoa(pageSize) + e.totalParam()
		}
		res, body := e.api.get(ctx, path)
		next = ""
		if res.err == nil && res.status == http.StatusOK {
			if bytes.HasPrefix(body, []byte(`{"items":[]`)) {
				res.wrong = "an empty page of " + path
			}
			next = jsonString(body, "next_url")
		}
		return res
	}
}

func listService(e *env, w int) op {
	r := e.rng(w, 2)
	var city, cursor string
	return func(ctx context.Context) result {
		if cursor == "" || r.IntN(2) == 0 {
			city, cursor = e.d.cities[r.IntN(len(e.d.cities))], ""
		}
		page, err := e.app.Customers.ListContacts(e.svc, customer.ListParams{
			Conditions: []customer.Condition{{Field: "city", Op: customer.OpEq, Values: []string{city}}},
			Limit:      pageSize, Cursor: cursor, NoTotal: e.cfg.NoTotal,
		})
		cursor = page.Next
		if err == nil && len(page.Items) == 0 {
			return result{wrong: "an empty page of " + city}
		}
		return result{err: err}
	}
}

// totalParam turns counting off when the run asks.
func (e *env) totalParam() string {
	if e.cfg.NoTotal {
		return "&total=false"
	}
	return ""
}

// jsonString finds the top-level string member name of a JSON object whose
// members after "items" are short: the last occurrence of the key (a key
// inside a string value would have its quotes escaped).
func jsonString(body []byte, name string) string {
	key := []byte(`"` + name + `":"`)
	i := bytes.LastIndex(body, key)
	if i < 0 {
		return ""
	}
	rest := body[i+len(key)-1:]
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal(rest[:end+2], &s); err != nil {
		return ""
	}
	return s
}

// search: a term drawn from the loaded contacts' names and numbers, so
// that it must find at least one; 50 a page, with the count of matches, as
// the API answers by default.

// termPicker draws client w's next search term of a kind.
func termPicker(e *env, w int, kind string) func() (string, error) {
	r := e.rng(w, 3)
	terms := e.d.terms[kind]
	return func() (string, error) {
		if len(terms) == 0 {
			return "", fmt.Errorf("the data set has no terms for %s", kind)
		}
		return terms[r.IntN(len(terms))], nil
	}
}

func searchHTTP(e *env, w int, kind string) op {
	next := termPicker(e, w, kind)
	return func(ctx context.Context) result {
		term, err := next()
		if err != nil {
			return result{err: err}
		}
		res, body := e.api.get(ctx, "/api/v1/contacts?q="+url.QueryEscape(term)+"&limit="+strconv.Itoa(pageSize)+e.totalParam())
		if res.err == nil && res.status == http.StatusOK && bytes.HasPrefix(body, []byte(`{"items":[]`)) {
			res.wrong = fmt.Sprintf("found nothing for %q", term)
		}
		return res
	}
}

func searchService(e *env, w int, kind string) op {
	next := termPicker(e, w, kind)
	return func(ctx context.Context) result {
		term, err := next()
		if err != nil {
			return result{err: err}
		}
		page, err := e.app.Customers.ListContacts(e.svc, customer.ListParams{Query: term, Limit: pageSize, NoTotal: e.cfg.NoTotal})
		if err == nil && len(page.Items) == 0 {
			return result{wrong: fmt.Sprintf("found nothing for %q", term)}
		}
		return result{err: err}
	}
}

// update: a contact's lifecycle stage moved on to the next, with the
// version last seen in If-Match. Each client updates contacts of its own,
// so that a 412 means something is wrong; the service path and the HTTP
// path take turns on the same contacts and share what they know of them.

// updateSetSize bounds the contacts the update scenario cycles through.
const updateSetSize = 20_000

type updateState struct {
	// slots[w] are client w's contacts.
	slots [][]*updateSlot
}

type updateSlot struct {
	id      int64
	version int64
	stage   int // index into customer.Stages
}

func prepareUpdate(ctx context.Context, e *env) error {
	r := rand.New(rand.NewPCG(uint64(e.cfg.Seed), 0x0bda7e))
	ids := make([]int64, len(e.d.ids))
	copy(ids, e.d.ids)
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	ids = ids[:min(len(ids), updateSetSize)]
	cs, err := e.app.Store.Contacts(ctx, ids)
	if err != nil {
		return err
	}
	c := e.cfg.Concurrency
	st := &updateState{slots: make([][]*updateSlot, c)}
	for i, ct := range cs {
		s := &updateSlot{id: ct.ID, version: ct.Version}
		for j, stage := range customer.Stages {
			if stage == ct.LifecycleStage {
				s.stage = j
			}
		}
		st.slots[i%c] = append(st.slots[i%c], s)
	}
	e.update = st
	return nil
}

// slot is client w's next contact and its next stage.
func (e *env) nextSlot(w int, i *int) (*updateSlot, customer.LifecycleStage) {
	slots := e.update.slots[w]
	s := slots[*i%len(slots)]
	*i++
	return s, customer.Stages[(s.stage+1)%len(customer.Stages)]
}

func updateHTTP(e *env, w int) op {
	var i int
	return func(ctx context.Context) result {
		if len(e.update.slots[w]) == 0 {
			return result{done: true}
		}
		s, stage := e.nextSlot(w, &i)
		body := []byte(`{"lifecycle_stage":"` + string(stage) + `"}`)
		status, resp, h, err := e.api.do(ctx, http.MethodPatch, "/api/v1/contacts/"+strconv.FormatInt(s.id, 10), body,
			[]string{"If-Match", `"` + strconv.FormatInt(s.version, 10) + `"`, "Content-Type", "application/merge-patch+json"})
		res := result{status: status, err: err, body: resp}
		switch {
		case err != nil:
		case status == http.StatusOK:
			v, verr := etagVersion(h)
			if verr != nil || v != s.version+1 {
				res.wrong = fmt.Sprintf("contact %d: version %d after an update of version %d (%v)", s.id, v, s.version, verr)
			}
			s.version, s.stage = v, (s.stage+1)%len(customer.Stages)
		case status == http.StatusPreconditionFailed:
			e.refresh(ctx, s)
		}
		return res
	}
}

func updateService(e *env, w int) op {
	var i int
	return func(ctx context.Context) result {
		if len(e.update.slots[w]) == 0 {
			return result{done: true}
		}
		s, stage := e.nextSlot(w, &i)
		c, err := e.app.Customers.UpdateContact(e.svc, s.id, s.version, func(f *customer.ContactFields) error {
			f.LifecycleStage = stage
			return nil
		}, customer.WriteOptions{Source: "api"})
		if err != nil {
			e.refresh(ctx, s)
			return result{err: err}
		}
		res := result{}
		if c.Version != s.version+1 {
			res.wrong = fmt.Sprintf("contact %d: version %d after an update of version %d", s.id, c.Version, s.version)
		}
		s.version, s.stage = c.Version, (s.stage+1)%len(customer.Stages)
		return res
	}
}

// refresh rereads a contact after its version was refused.
func (e *env) refresh(ctx context.Context, s *updateSlot) {
	if c, err := e.app.Store.Contact(ctx, s.id); err == nil {
		s.version = c.Version
		for j, stage := range customer.Stages {
			if stage == c.LifecycleStage {
				s.stage = j
			}
		}
	}
}

// create: new contacts in batches of 500, from a pool that shares no email
// or phone with the data set, so that each passes the duplicate check; the
// pool bounds the measurement. The service path takes the first half.

func prepareCreate(_ context.Context, e *env) error {
	e.nextBatch[0].Store(0)
	e.nextBatch[1].Store(0)
	return nil
}

// batch returns the next batch of a path's half of the pool (half 0 or 1).
func (e *env) batch(half int) []customer.ContactFields {
	pool := e.d.pool
	per := len(pool) / 2
	part := pool[half*per : (half+1)*per]
	b := int(e.nextBatch[half].Add(1) - 1)
	from := b * CreateBatch
	if from >= len(part) {
		return nil
	}
	return part[from:min(len(part), from+CreateBatch)]
}

func createService(e *env, _ int) op {
	return func(ctx context.Context) result {
		batch := e.batch(0)
		if batch == nil {
			return result{done: true}
		}
		results, err := e.app.Customers.CreateContacts(e.svc, batch, customer.WriteOptions{Source: "api"})
		if err != nil {
			return result{err: err}
		}
		created := 0
		var first error
		for _, r := range results {
			if r.Err == nil {
				created++
			} else if first == nil {
				first = r.Err
			}
		}
		if created < len(batch) {
			return result{wrong: fmt.Sprintf("%d of %d contacts refused, the first: %v", len(batch)-created, len(batch), first)}
		}
		return result{units: created}
	}
}

func createHTTP(e *env, _ int) op {
	return func(ctx context.Context) result {
		batch := e.batch(1)
		if batch == nil {
			return result{done: true}
		}
		// The request is encoded before the clock starts: the client's
		// work is not the server's.
		body, err := json.Marshal(struct {
			Items []customer.ContactFields `json:"items"`
		}{batch})
		if err != nil {
			return result{err: err}
		}
		t0 := time.Now()
		status, resp, _, err := e.api.do(ctx, http.MethodPost, "/api/v1/contacts/batch", body, nil)
		res := result{status: status, err: err, body: resp, latency: time.Since(t0)}
		if err != nil || status != http.StatusOK {
			return res
		}
		var out struct {
			Created, Failed int
			Results         []struct {
				Error *struct {
					Detail string `json:"detail"`
					Title  string `json:"title"`
				} `json:"error"`
			}
		}
		if err := json.Unmarshal(resp, &out); err != nil {
			res.err = fmt.Errorf("the batch answer: %w", err)
			return res
		}
		res.units = out.Created
		if out.Created != len(batch) {
			first := ""
			for _, r := range out.Results {
				if r.Error != nil {
					first = r.Error.Title + ": " + r.Error.Detail
					break
				}
			}
			res.wrong = fmt.Sprintf("%d of %d contacts refused, the first: %s", len(batch)-out.Created, len(batch), first)
		}
		return res
	}
}
