package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// listSeed is four customers: three of the agent's (two in 台北, one in
// 高雄) and one of the admin's in 台北, which the agent may not change.
type listSeed struct {
	ming, mei, wen, li *customer.Contact
	agentID, ownerID   int64
}

func seedList(t *testing.T, s *testenv.Server) *listSeed {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	seed := &listSeed{agentID: userID(t, s, "agent@example.com"), ownerID: userID(t, s, "owner@example.com")}
	mk := func(family, given, city string, owner int64, stage customer.LifecycleStage) *customer.Contact {
		c, err := s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: family, GivenName: given, OwnerID: &owner,
			Address: customer.Address{City: city}, LifecycleStage: stage}, customer.WriteOptions{Source: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	seed.ming = mk("王", "小明", "台北", seed.agentID, "customer")
	seed.mei = mk("林", "美玲", "台北", seed.agentID, "lead")
	seed.wen = mk("陳", "大文", "高雄", seed.agentID, "customer")
	seed.li = mk("李", "四", "台北", seed.ownerID, "lead")
	return seed
}

// listedNames are the names of the list's rows, in their order.
var rowName = regexp.MustCompile(`<a class="name" href="/customers/\d+">([^<]+)</a>`)

func listedNames(p *page) []string {
	var out []string
	for _, m := range rowName.FindAllStringSubmatch(p.Body, -1) {
		out = append(out, m[1])
	}
	return out
}

func wantNames(t *testing.T, p *page, want ...string) {
	t.Helper()
	if p.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", p.Status, p.Body)
	}
	if got := listedNames(p); !slices.Equal(got, want) {
		t.Errorf("listed %q; want %q", got, want)
	}
}

func TestCustomersListFilters(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) {
			s := startServerOn(t, engine)
			seedList(t, s)
			b := newBrowser(t, s, "en")
			b.signIn("owner@example.com", password)

			wantNames(t, b.get("/customers"), "李四", "陳大文", "林美玲", "王小明")
			taipei := "/customers?" + url.Values{"filter[city][eq]": {"台北"}}.Encode()
			p := b.get(taipei)
			wantNames(t, p, "李四", "林美玲", "王小明")
			expect(t, p, 200, "City is 台北", "Customers: 3", `name="filter[city][eq]" value="台北" data-keep`)

			// The filter bar's row joins the address's filters, which then
			// say the list alone; a stage may be named as the screen does.
			p = b.get(taipei + "&" + url.Values{"af": {"lifecycle_stage"}, "ao": {"eq"}, "av": {"Lead"}, "add": {"1"}}.Encode())
			want := "/customers?" + url.Values{"filter[city][eq]": {"台北"}, "filter[lifecycle_stage][eq]": {"lead"}}.Encode()
			if p.Status != http.StatusSeeOther || p.Location != want {
				t.Fatalf("adding a filter: %d %q; want 303 to %q", p.Status, p.Location, want)
			}
			p = b.get(want)
			wantNames(t, p, "李四", "林美玲")
			expect(t, p, 200, "Lifecycle stage is Lead")
			// Each chip removes its own filter.
			expect(t, p, 200, `href="/customers?filter%5Blifecycle_stage%5D%5Beq%5D=lead"`)

			// Choosing a sort sends the bar's form as it is: the filters
			// kept, the sort changed, the empty new filter dropped.
			if n := strings.Count(p.Body, `name="sort"`); n != 1 {
				t.Errorf("%d controls named sort; the form would send the old one too", n)
			}
			p = b.get(want + "&" + url.Values{"sort": {"display_name"}, "af": {"city"}, "ao": {"eq"}, "av": {""}}.Encode())
			sorted := "/customers?" + url.Values{"filter[city][eq]": {"台北"}, "filter[lifecycle_stage][eq]": {"lead"}, "sort": {"display_name"}}.Encode()
			if p.Status != http.StatusSeeOther || p.Location != sorted {
				t.Fatalf("sorting: %d %q; want 303 to %q", p.Status, p.Location, sorted)
			}
			wantNames(t, b.get(sorted), "李四", "林美玲")

			// Sorted by name, narrowed by owner ("me" is the user).
			p = b.get(taipei + "&sort=display_name")
			wantNames(t, p, "李四", "林美玲", "王小明")
			p = b.get("/customers?" + url.Values{"af": {"owner_id"}, "ao": {"eq"}, "av": {"Agent"}, "sort": {"-display_name"}}.Encode())
			if p.Status != http.StatusSeeOther {
				t.Fatalf("owner filter: %d\n%s", p.Status, p.Body)
			}
			p = b.get(p.Location)
			wantNames(t, p, "陳大文", "王小明", "林美玲")
			expect(t, p, 200, "Owner is Agent")

			// Dates, and what does not fit, said beside the bar.
			p = b.get("/customers?" + url.Values{"af": {"created_at"}, "ao": {"gte"}, "av": {"2000-01-01"}}.Encode())
			if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "filter%5Bcreated_at%5D%5Bgte%5D=2000-01-01") {
				t.Fatalf("date filter: %d %q", p.Status, p.Location)
			}
			wantNames(t, b.get(p.Location), "李四", "陳大文", "林美玲", "王小明")
			p = b.get("/customers?" + url.Values{"af": {"lifecycle_stage"}, "ao": {"prefix"}, "av": {"le"}}.Encode())
			expect(t, p, 200, "“starts with” does not apply to Lifecycle stage.", `aria-invalid="true"`, `value="le"`)
			p = b.get("/customers?" + url.Values{"af": {"lifecycle_stage"}, "ao": {"eq"}, "av": {"gold"}}.Encode())
			expect(t, p, 200, "Lifecycle stage is one of: Lead, Prospect")
			p = b.get("/customers?" + url.Values{"filter[nosuch][eq]": {"1"}}.Encode())
			expect(t, p, 200, "The list cannot be shown with these filters:", "Lists cannot be filtered or sorted by this field.")
			wantNames(t, p)

			// Searching as one types keeps the filters (the page's script
			// sends them with the query) and answers with the results only.
			p = b.get("/customers?"+url.Values{"q": {"小明"}, "filter[city][eq]": {"台北"}}.Encode(), "HX-Request", "true", "HX-Target", "results")
			wantNames(t, p, "王小明")
			if strings.Contains(p.Body, "<html") {
				t.Error("the search answered with a whole page")
			}
			wantNames(t, b.get("/customers?"+url.Values{"q": {"小明"}, "filter[city][eq]": {"高雄"}}.Encode()))

			// In Chinese, the chips and stages speak it too.
			zh := newBrowser(t, s, "zh-Hant")
			zh.signIn("owner@example.com", password)
			p = zh.get("/customers?" + url.Values{"af": {"lifecycle_stage"}, "ao": {"eq"}, "av": {"潛在客戶"}}.Encode())
			if p.Status != http.StatusSeeOther {
				t.Fatalf("a stage by its Chinese name: %d\n%s", p.Status, p.Body)
			}
			expect(t, zh.get(p.Location), 200, "生命週期階段：潛在客戶", "新增篩選條件")
		})
	}
}

func TestCustomersListSavedViews(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) {
			s := startServerOn(t, engine)
			seedList(t, s)
			owner := newBrowser(t, s, "en")
			owner.signIn("owner@example.com", password)
			agent := newBrowser(t, s, "en")
			agent.signIn("agent@example.com", password)

			query := url.Values{"filter[city][eq]": {"台北"}, "sort": {"display_name"}}.Encode()
			p := owner.get("/customers?" + query)
			expect(t, p, 200, `<form class="save-view" method="post" action="/customers/views">`)
			p = owner.post("/customers/views", url.Values{"name": {"台北客戶"}, "query": {query}})
			if p.Status != http.StatusSeeOther || p.Location != "/customers?"+query {
				t.Fatalf("save view: %d %q\n%s", p.Status, p.Location, p.Body)
			}
			p = owner.get(p.Location)
			wantNames(t, p, "李四", "林美玲", "王小明")
			expect(t, p, 200, `aria-current="page">台北客戶</a>`)
			// Opening it from another page leads to the same list.
			p = owner.get("/customers")
			link := regexp.MustCompile(`<a href="([^"]+)">台北客戶</a>`).FindStringSubmatch(p.Body)
			if link == nil {
				t.Fatalf("the view is not a tab of the list\n%s", p.Body)
			}
			wantNames(t, owner.get(strings.ReplaceAll(link[1], "&amp;", "&")), "李四", "林美玲", "王小明")

			// A name is used once per user: the list being saved says so
			// beside the name, which it keeps.
			p = owner.post("/customers/views", url.Values{"name": {"台北客戶"}, "query": {"q=王"}})
			expect(t, p, http.StatusConflict, `<p class="error" id="view-name-error" role="alert">You already have a view named “台北客戶”.</p>`,
				`value="台北客戶" aria-invalid="true" aria-describedby="view-name-error"`, `<input type="hidden" name="query" value="q=%E7%8E%8B">`)
			if got := listedNames(p); !slices.Equal(got, []string{"王小明"}) {
				t.Errorf("the refused view's list shows %q; want its match 王小明", got)
			}

			// Another user never sees it, nor may delete it.
			if p := agent.get("/customers"); strings.Contains(p.Body, "台北客戶") {
				t.Error("the agent sees the admin's view")
			}
			views, err := s.Customers.SavedViews(crm.WithPrincipal(context.Background(), &crm.Principal{UserID: userID(t, s, "owner@example.com"), Role: crm.RoleAdmin}), "")
			if err != nil || len(views) != 1 {
				t.Fatalf("stored views: %v %v", views, err)
			}
			id := idStr(views[0].ID)
			expect(t, agent.post("/customers/views/"+id+"/delete", nil), http.StatusNotFound)
			// The agent saves one of the same name: theirs alone.
			expect(t, agent.post("/customers/views", url.Values{"name": {"台北客戶"}, "query": {"q=王"}}), http.StatusSeeOther)
			if p := agent.get("/customers"); !strings.Contains(p.Body, `<a href="/customers?q=%E7%8E%8B">台北客戶</a>`) {
				t.Errorf("the agent's own view is not shown\n%s", p.Body)
			}

			// The API: the same views, each user's own.
			var list struct{ Items []customer.SavedView }
			r := s.Do(t, s.AdminToken, "GET", "/api/v1/saved-views", nil)
			if r.Status != 200 || json.Unmarshal(r.Body, &list) != nil || len(list.Items) != 0 {
				t.Errorf("the API's admin sees %d %s", r.Status, r.Body)
			}
			r = s.Do(t, s.AdminToken, "POST", "/api/v1/saved-views", map[string]string{"name": "VIP", "query": "filter[tag][eq]=VIP"})
			if r.Status != http.StatusCreated {
				t.Fatalf("API create: %d %s", r.Status, r.Body)
			}
			r = s.Do(t, s.AdminToken, "GET", "/api/v1/saved-views", nil)
			if json.Unmarshal(r.Body, &list) != nil || len(list.Items) != 1 || list.Items[0].Query != "filter%5Btag%5D%5Beq%5D=VIP" {
				t.Errorf("API list: %s", r.Body)
			}
			if r := s.Do(t, s.AdminToken, "DELETE", "/api/v1/saved-views/"+id, nil); r.Status != http.StatusNotFound {
				t.Errorf("API delete of another's view: %d %s", r.Status, r.Body)
			}

			// Deleting it takes its tab away.
			expect(t, owner.post("/customers/views/"+id+"/delete", nil), http.StatusSeeOther)
			if p := owner.get("/customers"); strings.Contains(p.Body, "台北客戶") {
				t.Error("a deleted view is still shown")
			}
		})
	}
}

func TestCustomersListBulk(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) {
			s := startServerOn(t, engine)
			seed := seedList(t, s)
			sys := crm.WithPrincipal(context.Background(), crm.System)
			tagsOf := func(c *customer.Contact) []string {
				t.Helper()
				got, err := s.Customers.GetContact(sys, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.Tags
			}
			agent := newBrowser(t, s, "en")
			agent.signIn("agent@example.com", password)
			back := "/customers?" + url.Values{"filter[city][eq]": {"台北"}}.Encode()
			p := agent.get(back)
			expect(t, p, 200, `<input type="checkbox" name="id" value="`+idStr(seed.ming.ID)+`"`, "Select all on this page", "Add tag", "Export as CSV")
			if strings.Contains(p.Body, `id="bulk-owner"`) {
				t.Error("an agent is offered to assign owners")
			}

			// Tagging the ticked ones: the agent's change, the admin's is
			// refused, the unticked stays as it was.
			form := url.Values{"id": {idStr(seed.ming.ID), idStr(seed.wen.ID), idStr(seed.li.ID)}, "action": {"tag"}, "tag": {"VIP"}, "back": {back}}
			p = agent.post("/customers/bulk", form)
			expect(t, p, 200, "2 updated · 1 not allowed", "<html")
			for c, want := range map[*customer.Contact][]string{seed.ming: {"VIP"}, seed.wen: {"VIP"}, seed.mei: {}, seed.li: {}} {
				if got := tagsOf(c); !slices.Equal(got, want) {
					t.Errorf("tags of %s = %q; want %q", c.DisplayName, got, want)
				}
			}
			// The page shown again is the list it came from.
			wantNames(t, p, "林美玲", "王小明")

			// With htmx: the results only, "select all on this page" read
			// from the box when no script ticked the rows.
			form = url.Values{"all": {"1"}, "page": {idStr(seed.ming.ID), idStr(seed.mei.ID)}, "action": {"tag"}, "tag": {"常客"}, "back": {back}}
			p = agent.post("/customers/bulk", form, "HX-Request", "true", "HX-Target", "results")
			expect(t, p, 200, "2 updated", "常客")
			if strings.Contains(p.Body, "<html") || strings.Contains(p.Body, "not allowed") {
				t.Errorf("htmx answer:\n%s", p.Body)
			}
			if got := tagsOf(seed.mei); !slices.Equal(got, []string{"常客"}) {
				t.Errorf("tags of 林美玲 = %q", got)
			}

			// Nothing ticked, or a viewer: nothing changes.
			expect(t, agent.post("/customers/bulk", url.Values{"action": {"tag"}, "tag": {"x"}}), http.StatusUnprocessableEntity, "Select at least one customer.")
			viewer := newBrowser(t, s, "en")
			viewer.signIn("viewer@example.com", password)
			p = viewer.post("/customers/bulk", url.Values{"id": {idStr(seed.wen.ID)}, "action": {"tag"}, "tag": {"Nope"}})
			expect(t, p, 200, "0 updated · 1 not allowed")
			if got := tagsOf(seed.wen); !slices.Equal(got, []string{"VIP"}) {
				t.Errorf("a viewer changed 陳大文's tags: %q", got)
			}

			// An admin assigns an owner from the list of users.
			owner := newBrowser(t, s, "zh-Hant")
			owner.signIn("owner@example.com", password)
			expect(t, owner.get("/customers"), 200, `id="bulk-owner"`, `<option value="`+idStr(seed.agentID)+`">Agent</option>`, "指派")
			p = owner.post("/customers/bulk", url.Values{"id": {idStr(seed.li.ID)}, "action": {"owner"}, "owner": {idStr(seed.agentID)}})
			expect(t, p, 200, "已更新 1 位")
			if got, _ := s.Customers.GetContact(sys, seed.li.ID); got.OwnerID == nil || *got.OwnerID != seed.agentID {
				t.Errorf("owner of 李四 = %v; want the agent", got.OwnerID)
			}

			// The ticked ones as CSV, in the export's columns.
			p = agent.post("/customers/export", url.Values{"id": {idStr(seed.ming.ID), idStr(seed.wen.ID)}})
			if p.Status != 200 || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") || !strings.Contains(p.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("export: %d %v\n%s", p.Status, p.Header, p.Body)
			}
			if !strings.Contains(p.Body, "display_name") || !strings.Contains(p.Body, "王小明") || !strings.Contains(p.Body, "陳大文") ||
				strings.Contains(p.Body, "林美玲") || strings.Count(strings.TrimSpace(p.Body), "\n") != 2 {
				t.Errorf("export of two:\n%s", p.Body)
			}
		})
	}
}

// TestCustomersListCustomFields filters the list by custom fields from the
// bar: a select by its option's label in the user's language, several
// options at once, a number compared, each chip naming the field by its
// label; what does not fit is said beside the bar.
func TestCustomersListCustomFields(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) {
			s := startServerOn(t, engine)
			seed := seedList(t, s)
			sys := crm.WithPrincipal(context.Background(), crm.System)
			for _, d := range []customer.FieldDefFields{
				{RecordType: customer.RecordContact, Key: "tier", Label: "Tier", Labels: map[string]string{"zh-Hant": "會員等級", "zh-Hans": "会员等级"},
					Type: customer.FieldSelect, Options: []customer.Option{
						{Value: "gold", Label: "Gold", Labels: map[string]string{"zh-Hant": "金卡", "zh-Hans": "金卡"}},
						{Value: "silver", Label: "Silver", Labels: map[string]string{"zh-Hant": "銀卡", "zh-Hans": "银卡"}}}},
				{RecordType: customer.RecordContact, Key: "budget", Label: "Budget", Labels: map[string]string{"zh-Hant": "預算", "zh-Hans": "预算"},
					Type: customer.FieldNumber},
				{RecordType: customer.RecordContact, Key: "vip", Label: "VIP", Type: customer.FieldBoolean},
				{RecordType: customer.RecordContact, Key: "spend", Label: "Spend", Type: customer.FieldMoney, Currency: "TWD"},
			} {
				if _, err := s.Customers.CreateFieldDef(sys, d); err != nil {
					t.Fatal(err)
				}
			}
			for c, custom := range map[*customer.Contact]map[string]any{
				seed.ming: {"tier": "gold", "budget": 5000.0, "vip": true, "spend": 250000},
				seed.mei:  {"tier": "silver", "budget": 1200.5, "vip": false, "spend": 99900},
				seed.wen:  {"tier": "gold", "budget": 800.0},
			} {
				if _, err := s.Customers.UpdateContact(sys, c.ID, 0, func(f *customer.ContactFields) error {
					f.Custom = custom
					return nil
				}, customer.WriteOptions{Source: "test"}); err != nil {
					t.Fatal(err)
				}
			}
			b := newBrowser(t, s, "en")
			b.signIn("owner@example.com", password)
			add := func(field, op, value string) *page {
				t.Helper()
				return b.get("/customers?" + url.Values{"af": {field}, "ao": {op}, "av": {value}}.Encode())
			}
			follow := func(p *page, want string) *page {
				t.Helper()
				if p.Status != http.StatusSeeOther || p.Location != want {
					t.Fatalf("adding a filter: %d %q; want 303 to %q\n%s", p.Status, p.Location, want, p.Body)
				}
				return b.get(p.Location)
			}

			// The bar offers each custom field by its label, with the
			// select's options as suggestions.
			expect(t, b.get("/customers"), 200, `<optgroup label="Custom fields">`, `<option value="custom.tier">Tier</option>`,
				`<option value="custom.budget">Budget</option>`, `<datalist id="values-custom-tier"><option value="Gold"><option value="Silver"></datalist>`,
				`<option value="in">is one of</option>`)

			// A select, by its option's label; then several of them.
			tierGold := "/customers?" + url.Values{"filter[custom.tier][eq]": {"gold"}}.Encode()
			p := follow(add("custom.tier", "eq", "Gold"), tierGold)
			wantNames(t, p, "陳大文", "王小明")
			expect(t, p, 200, "Tier is Gold", `name="filter[custom.tier][eq]" value="gold" data-keep`)
			p = follow(add("custom.tier", "in", "gold, Silver"), "/customers?"+url.Values{"filter[custom.tier][in]": {"gold,silver"}}.Encode())
			wantNames(t, p, "陳大文", "林美玲", "王小明")
			expect(t, p, 200, "Tier is one of Gold, Silver")

			// A number, compared; it joins the select's filter.
			p = follow(b.get(tierGold+"&"+url.Values{"af": {"custom.budget"}, "ao": {"gte"}, "av": {"1,000"}}.Encode()),
				"/customers?"+url.Values{"filter[custom.budget][gte]": {"1000"}, "filter[custom.tier][eq]": {"gold"}}.Encode())
			wantNames(t, p, "王小明")
			expect(t, p, 200, "Budget ≥ 1000", "Tier is Gold")
			p = follow(add("custom.budget", "lt", "1200.5"), "/customers?"+url.Values{"filter[custom.budget][lt]": {"1200.5"}}.Encode())
			wantNames(t, p, "陳大文")
			expect(t, p, 200, "Budget &lt; 1200.5")
			p = b.get("/customers?" + url.Values{"filter[custom.budget][eq]": {"800"}}.Encode())
			wantNames(t, p, "陳大文")
			expect(t, p, 200, "Budget = 800")
			p = follow(add("custom.tier", "none", ""), "/customers?"+url.Values{"filter[custom.tier][exists]": {"false"}}.Encode())
			wantNames(t, p, "李四")
			expect(t, p, 200, "Tier is empty")

			// Yes or no, in words; an amount as written, compared in cents.
			p = follow(add("custom.vip", "eq", "yes"), "/customers?"+url.Values{"filter[custom.vip][eq]": {"true"}}.Encode())
			wantNames(t, p, "王小明")
			expect(t, p, 200, "VIP is Yes")
			p = follow(add("custom.spend", "gte", "NT$1,000"), "/customers?"+url.Values{"filter[custom.spend][gte]": {"100000"}}.Encode())
			wantNames(t, p, "王小明")
			expect(t, p, 200, "Spend ≥ NT$1,000.00")
			expect(t, add("custom.spend", "gte", "a lot"), 200, "Write an amount in TWD, such as 1200 or 1,200.50.")
			expect(t, add("custom.vip", "eq", "maybe"), 200, "VIP is one of: Yes, No.")

			// What does not fit, beside the bar, the value kept.
			expect(t, add("custom.budget", "gte", "lots"), 200, "Must be a number.", `aria-invalid="true"`, `value="lots"`)
			expect(t, add("custom.budget", "prefix", "1"), 200, "“starts with” does not apply to Budget.")
			expect(t, add("custom.tier", "eq", "Bronze"), 200, "Tier is one of: Gold, Silver.")
			expect(t, add("custom.tier", "in", "gold, bronze"), 200, "Tier is one of: Gold, Silver.")

			// In Chinese: the labels the admin wrote, an option by its
			// Chinese label.
			zh := newBrowser(t, s, "zh-Hant")
			zh.signIn("owner@example.com", password)
			p = zh.get("/customers?" + url.Values{"af": {"custom.tier"}, "ao": {"eq"}, "av": {"金卡"}}.Encode())
			if p.Status != http.StatusSeeOther || p.Location != tierGold {
				t.Fatalf("an option by its Chinese label: %d %q\n%s", p.Status, p.Location, p.Body)
			}
			p = zh.get(tierGold + "&" + url.Values{"filter[custom.budget][gte]": {"1000"}}.Encode())
			wantNames(t, p, "王小明")
			expect(t, p, 200, "會員等級：金卡", "預算 ≥ 1000", `<optgroup label="自訂欄位">`, `<option value="custom.tier">會員等級</option>`)
			zhs := newBrowser(t, s, "zh-CN")
			zhs.signIn("owner@example.com", password)
			expect(t, zhs.get("/customers?"+url.Values{"filter[custom.tier][in]": {"gold,silver"}}.Encode()), 200, "会员等级为金卡、银卡之一")
		})
	}
}
