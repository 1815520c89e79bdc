package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// leadsCSV is a trade-show list as a Taiwanese office's Excel saves it: Big5,
// Chinese headers, and the mistakes such lists have.
const leadsCSV = "姓名,公司,職稱,電子郵件,手機,公司規模,來源,utm_source,utm_medium,utm_campaign,備註,負責人,團隊\r\n" +
	"王大明,台灣精密機械股份有限公司,採購經理,DaMing@Precision.com.tw,0912-345-678,51-200,referral,google,cpc,spring_expo,想要報價,agent@example.com,\r\n" +
	"李小華,,,lihua@gmail.com,,11~50人,展覽,,,,,,北區\r\n" +
	"陳志明,,,not-an-email,,,,,,,,,\r\n" +
	",,,,,,,,,,,,\r\n" +
	"黃美玲,某公司,,mei@example.com,,,,,,,,nobody@example.com,\r\n" +
	"林小芳,,,lin@example.com,,,,,,,,,南區\r\n" +
	",某公司,,,,,,,,,,,\r\n" +
	",,,,0922-111-222,,,,,,,,\r\n" +
	"張三,,,zhang@example.com,,很多,,,,,,,\r\n"

// leadWorld makes the user and the team the file names, and the team's
// pool.
func leadWorld(t *testing.T, s *testenv.Server) (agent *account.User, team *account.Team, teamPool *lead.Pool) {
	t.Helper()
	agent, err := s.Accounts.CreateUser(sys, account.UserFields{Email: "agent@example.com", Name: "Agent", Role: crm.RoleAgent}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	team, err = s.Accounts.CreateTeam(sys, account.TeamFields{Name: "北區"})
	if err != nil {
		t.Fatal(err)
	}
	teamPool, err = s.Leads.CreatePool(sys, lead.PoolInput{PoolFields: lead.PoolFields{Name: "北區公海"}, TeamID: team.ID})
	if err != nil {
		t.Fatal(err)
	}
	return agent, team, teamPool
}

func allLeads(t *testing.T, s *testenv.Server) []*lead.Lead {
	t.Helper()
	page, err := s.Leads.ListLeads(sys, lead.LeadQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func TestImportBig5Leads(t *testing.T) {
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		agent, team, teamPool := leadWorld(t, s)
		file := big5(t, leadsCSV)
		rep, err := s.Importer.Run(sys, bytes.NewReader(file), int64(len(file)), importer.Options{Type: importer.Leads, DryRun: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Encoding != "big5" || rep.Imported != 3 || rep.Rejected != 5 || rep.RowsRead != 8 || !rep.DryRun {
			t.Fatalf("dry run: %+v", rep)
		}
		if got := allLeads(t, s); len(got) != 0 {
			t.Fatalf("a dry run wrote %d leads", len(got))
		}
		want := []string{"name", "company_name", "title", "email", "phone", "company_size", "source", "utm_source",
			"utm_medium", "utm_campaign", "notes", "owner_email", "team"}
		if !slices.Equal(rep.Mapping, want) {
			t.Errorf("mapping %v, want %v", rep.Mapping, want)
		}

		rep, err = s.Importer.Run(sys, bytes.NewReader(file), int64(len(file)), importer.Options{Type: importer.Leads}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Imported != 3 || rep.Rejected != 5 || rep.Skipped != 0 || rep.Updated != 0 {
			t.Fatalf("import: %+v", rep)
		}
		reasons := map[int]string{}
		for _, p := range rep.Problems {
			if p.Level != "rejected" || len(p.Cells) == 0 {
				t.Errorf("problem %+v: want a rejected row with its cells", p)
			}
			reasons[p.Line] = p.Reason
		}
		for line, want := range map[int]string{
			4:  "email: invalid_email",
			6:  `owner_email "nobody@example.com": no user has this email`,
			7:  `team "南區": no team has this name`,
			8:  "name: name_or_contact_required",
			10: `company_size "很多"`,
		} {
			if !strings.Contains(reasons[line], want) {
				t.Errorf("line %d: reason %q, want %q", line, reasons[line], want)
			}
		}
		if len(reasons) != 5 {
			t.Errorf("problems %+v", rep.Problems)
		}

		leads := allLeads(t, s)
		if len(leads) != 3 {
			t.Fatalf("%d leads stored; want 3: the rejected rows write nothing", len(leads))
		}
		byName := map[string]*lead.Lead{}
		for _, l := range leads {
			byName[l.Name] = l
		}
		ming, hua, anon := byName["王大明"], byName["李小華"], byName["+886922111222"]
		if ming == nil || hua == nil || anon == nil {
			t.Fatalf("leads %v", byName)
		}
		// The default rules: company 10, business email 10, phone 5, 51-200 employees 10, referral 10.
		if ming.Score != 45 || len(ming.ScoreReasons) != 5 || ming.ScoredAt == nil {
			t.Errorf("王大明 scored %d for %+v; want 45 for five reasons", ming.Score, ming.ScoreReasons)
		}
		if ming.Email != "daming@precision.com.tw" || ming.Phone != "+886912345678" || ming.CompanyName != "台灣精密機械股份有限公司" ||
			ming.Title != "採購經理" || ming.CompanySize != "51-200" || ming.Source != "referral" || ming.UTMSource != "google" ||
			ming.UTMMedium != "cpc" || ming.UTMCampaign != "spring_expo" || ming.Notes != "想要報價" ||
			ming.OwnerID == nil || *ming.OwnerID != agent.ID || ming.Status != lead.StatusNew {
			t.Errorf("王大明: %+v", ming)
		}
		// 11~50人 is the 11-50 band (5 points); gmail is free mail.
		if hua.Score != 5 || hua.CompanySize != "11-50" || hua.OwnerID != nil || hua.TeamID == nil || *hua.TeamID != team.ID || hua.Source != "展覽" {
			t.Errorf("李小華: score %d, %+v", hua.Score, hua)
		}
		if anon.Score != 5 || anon.OwnerID != nil || anon.TeamID != nil || anon.Source != "import" {
			t.Errorf("the lead known by its phone: score %d, %+v", anon.Score, anon)
		}
		// Unowned leads wait in their pools: the team's, else the default one.
		inTeamPool, err := s.Leads.ListPoolLeads(sys, teamPool.ID, "", 50)
		if err != nil || len(inTeamPool.Items) != 1 || inTeamPool.Items[0].ID != hua.ID {
			t.Errorf("the team's pool holds %v, %v; want 李小華", inTeamPool.Items, err)
		}
		pools, err := s.Leads.ListPools(sys)
		if err != nil {
			t.Fatal(err)
		}
		inDefault, err := s.Leads.ListPoolLeads(sys, pools[0].ID, "", 50)
		if err != nil || !pools[0].Default || len(inDefault.Items) != 1 || inDefault.Items[0].ID != anon.ID {
			t.Errorf("the default pool holds %v, %v; want the lead known by its phone", inDefault.Items, err)
		}
		audit, err := s.Leads.LeadAudit(sys, ming.ID, "", 10)
		if err != nil || len(audit.Items) != 1 || audit.Items[0].Action != crm.ActionCreate {
			t.Errorf("audit of 王大明: %+v, %v", audit.Items, err)
		}

		// Leads have no uniqueness: the same file again makes the leads again.
		rep, err = s.Importer.Run(sys, bytes.NewReader(file), 0, importer.Options{Type: importer.Leads, OnDuplicate: importer.UpdateDuplicates}, nil)
		if err != nil || rep.Imported != 3 || rep.Updated != 0 || rep.Skipped != 0 {
			t.Fatalf("again: %+v, %v", rep, err)
		}
		if got := allLeads(t, s); len(got) != 6 {
			t.Errorf("%d leads after importing the file twice; want 6", len(got))
		}
	})
}

// TestImportLeadsAsARep imports as an agent: a team the agent is not in is
// refused, as the API refuses it, and a row without an owner goes to the
// pool rather than to the agent.
func TestImportLeadsAsARep(t *testing.T) {
	s := testenv.StartServer(t, "sqlite")
	agent, _, _ := leadWorld(t, s)
	p, err := s.Accounts.PrincipalFor(sys, agent.Email)
	if err != nil {
		t.Fatal(err)
	}
	ctx := crm.WithPrincipal(context.Background(), p)
	file := "name,email,owner,team\nAnn,ann@example.com,agent@example.com,\nBo,bo@example.com,,北區\nCy,cy@example.com,,\n"
	rep, err := s.Importer.Run(ctx, strings.NewReader(file), 0, importer.Options{Type: importer.Leads}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 2 || rep.Rejected != 1 || len(rep.Problems) != 1 || rep.Problems[0].Line != 3 ||
		!strings.Contains(rep.Problems[0].Reason, "team_id: not_your_team") {
		t.Fatalf("report %+v", rep)
	}
	leads := allLeads(t, s)
	owners := map[string]*int64{}
	for _, l := range leads {
		owners[l.Name] = l.OwnerID
		if l.CreatedBy == nil || *l.CreatedBy != agent.ID {
			t.Errorf("%s created by %v; want the agent", l.Name, l.CreatedBy)
		}
	}
	if len(leads) != 2 || owners["Ann"] == nil || *owners["Ann"] != agent.ID || owners["Cy"] != nil {
		t.Errorf("owners %v", owners)
	}
	viewer, err := s.Accounts.CreateUser(sys, account.UserFields{Email: "viewer@example.com", Name: "V", Role: crm.RoleViewer}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	vp, err := s.Accounts.PrincipalFor(sys, viewer.Email)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Importer.Run(crm.WithPrincipal(context.Background(), vp), strings.NewReader(file), 0, importer.Options{Type: importer.Leads}, nil)
	if !crm.IsKind(err, crm.KindForbidden) {
		t.Errorf("a viewer's import: %v; want forbidden", err)
	}
}

// TestImportLeadsResumesFromItsCheckpoint stops a lead import mid-way, as
// a crash would, and resumes it: every lead is made once.
func TestImportLeadsResumesFromItsCheckpoint(t *testing.T) {
	var b strings.Builder
	b.WriteString("姓名,電子郵件,公司規模\n")
	for i := range 30 {
		fmt.Fprintf(&b, "客戶%d,c%d@example.com,%d\n", i, i, 5+i*40)
		if i == 12 {
			b.WriteString("壞的,bad@,11-50\n")
		}
	}
	file := b.String()
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		var last *importer.Checkpoint
		crash := errors.New("crash")
		checkpoints := 0
		opt := importer.Options{Type: importer.Leads, BatchSize: 4,
			Checkpoint: func(ctx context.Context, c importer.Checkpoint) error {
				checkpoints++
				if checkpoints == 3 {
					return crash // this batch rolls back with its checkpoint
				}
				last = &c
				return nil
			}}
		if _, err := s.Importer.Run(sys, strings.NewReader(file), 0, opt, nil); !errors.Is(err, crash) {
			t.Fatalf("first run: %v; want the crash", err)
		}
		if got := len(allLeads(t, s)); got != 8 {
			t.Fatalf("%d leads after the crash; want the 8 of the two batches checkpointed", got)
		}
		opt.Resume, opt.Checkpoint = last, func(context.Context, importer.Checkpoint) error { return nil }
		rep, err := s.Importer.Run(sys, strings.NewReader(file), 0, opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.RowsRead != 31 || rep.Imported != 30 || rep.Rejected != 1 || len(rep.Problems) != 1 || rep.Problems[0].Line != 15 {
			t.Fatalf("resumed: %+v", rep)
		}
		leads := allLeads(t, s)
		names := map[string]bool{}
		for _, l := range leads {
			names[l.Name] = true
		}
		if len(leads) != 30 || len(names) != 30 {
			t.Fatalf("%d leads (%d names) stored; want 30, each once", len(leads), len(names))
		}
	})
}

// TestImportLeadsInEveryEncoding reads one list of leads in each encoding
// the importer detects.
func TestImportLeadsInEveryEncoding(t *testing.T) {
	s := testenv.StartServer(t, "sqlite")
	hant := "姓名,公司,電子郵件,電話,公司規模\r\n王大明,精密機械,ming@precision.com.tw,02-2345-6789,51-200\r\n李小華,,hua@example.com,,\r\n"
	hans := "姓名,公司名称,电子邮件,电话,公司规模\r\n张伟,精工有限公司,wei@jinggong.cn,+86 10 6552 9988,51-200\r\n刘洋,,yang@example.com,,\r\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(hans))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, encoding string
		file           []byte
		first          string
	}{
		{"utf-8", "utf-8", []byte("\ufeff" + hant), "王大明"},
		{"utf-16", "utf-16le", utf16le(strings.ReplaceAll(hant, ",", "\t")), "王大明"},
		{"big5", "big5", big5(t, hant), "王大明"},
		{"gbk", "gb18030", gbk, "张伟"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(allLeads(t, s))
			rep, err := s.Importer.Run(sys, bytes.NewReader(tt.file), int64(len(tt.file)), importer.Options{Type: importer.Leads}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Encoding != tt.encoding || rep.Imported != 2 || rep.Rejected != 0 ||
				strings.Join(rep.Mapping, ",") != "name,company_name,email,phone,company_size" {
				t.Fatalf("report %+v", rep)
			}
			leads := allLeads(t, s)
			if len(leads) != before+2 {
				t.Fatalf("%d leads, want %d", len(leads), before+2)
			}
			first := leads[1] // newest first
			if first.Name != tt.first || first.CompanySize != "51-200" || first.Score != 35 {
				t.Errorf("first lead: %+v", first)
			}
		})
	}
}
