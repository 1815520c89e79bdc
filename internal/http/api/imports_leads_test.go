package api_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestImportLeads imports a GBK file of leads as an agent through the API:
// the import runs as a job, the leads are the service's (scored, owned or
// pooled, audited as the agent's), and the rows refused are listed with
// their reasons.
func TestImportLeads(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			file, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(
				"姓名,公司名称,电子邮件,手机,公司规模,线索来源,负责人,团队\r\n" +
					"张伟,上海精工有限公司,zhang.wei@jinggong.cn,+86 138 0013 8000,201-500,referral,agent@example.com,\r\n" +
					"刘洋,,liu@qq.com,,,,,\r\n" +
					"赵敏,,zhao@@example,,,,,\r\n" +
					"孙丽,,sun@example.com,,,,nobody@example.com,\r\n" +
					"周杰,,zhou@example.com,,,,,North\r\n"))
			if err != nil {
				t.Fatal(err)
			}

			r := w.Do(t, w.tokens["agent"], post, "/api/v1/imports/preview?type=leads", file, "Content-Type", "text/csv")
			var pv struct {
				Encoding string
				Mapping  []string
				Fields   []string
			}
			r.JSON(t, &pv)
			if r.Status != 200 || pv.Encoding != "gb18030" ||
				strings.Join(pv.Mapping, ",") != "name,company_name,email,phone,company_size,source,owner_email,team" {
				t.Fatalf("preview: %d %s", r.Status, r.Body)
			}

			r = w.Do(t, w.tokens["agent2"], post, "/api/v1/imports?type=leads&name=线索.csv", file, "Content-Type", "text/csv")
			if r.Status != 202 {
				t.Fatalf("start: %d %s", r.Status, r.Body)
			}
			done := waitImport(t, w, w.tokens["agent2"], r.Header.Get("Location"))
			progress, _ := done["progress"].(map[string]any)
			if done["status"] != "succeeded" || progress["imported"] != 2.0 || progress["rejected"] != 3.0 || progress["rows_read"] != 5.0 {
				t.Fatalf("import: %v", done)
			}
			r = w.Do(t, w.tokens["agent2"], get, done["problems_url"].(string), nil)
			body := string(r.Body)
			for _, want := range []string{
				"4,rejected,email: invalid_email,赵敏",
				`5,rejected,"owner_email ""nobody@example.com"": no user has this email",孙丽`,
				"6,rejected,team_id: not_your_team,周杰", // agent2 is not in North
			} {
				if !strings.Contains(body, want) {
					t.Errorf("problems.csv lacks %q:\n%s", want, body)
				}
			}

			ctx := crm.WithPrincipal(context.Background(), crm.System)
			page, err := w.Leads.ListLeads(ctx, lead.LeadQuery{Limit: 50})
			if err != nil || len(page.Items) != 2 {
				t.Fatalf("leads %v, %v", page.Items, err)
			}
			agentID, _ := strconv.ParseInt(w.ids["agent_id"], 10, 64)
			agent2ID, _ := strconv.ParseInt(w.ids["agent2_id"], 10, 64)
			for _, l := range page.Items {
				if l.CreatedBy == nil || *l.CreatedBy != agent2ID {
					t.Errorf("%s created by %v; want agent2, who imported it", l.Name, l.CreatedBy)
				}
				switch l.Name {
				case "张伟": // company 10, business email 10, phone 5, 201-500 15, referral 10
					if l.Score != 50 || l.OwnerID == nil || *l.OwnerID != agentID || l.Phone != "+8613800138000" {
						t.Errorf("张伟: %+v", l)
					}
				case "刘洋": // qq.com is free mail; no owner: the pool
					if l.Score != 0 || l.OwnerID != nil || l.Source != "import" {
						t.Errorf("刘洋: %+v", l)
					}
				default:
					t.Errorf("lead %q", l.Name)
				}
			}

			// A dry run writes nothing (the agent, in North, may put 周杰 in its team),
			// and a viewer may not import.
			r = w.Do(t, w.tokens["agent"], post, "/api/v1/imports?type=leads&dry_run=true", file, "Content-Type", "text/csv")
			if r.Status != 202 {
				t.Fatalf("dry run: %d %s", r.Status, r.Body)
			}
			done = waitImport(t, w, w.tokens["agent"], r.Header.Get("Location"))
			if report, _ := done["report"].(map[string]any); done["status"] != "succeeded" || report["dry_run"] != true || report["imported"] != 3.0 { // agent is in North
				t.Fatalf("dry run: %v", done)
			}
			if page, _ := w.Leads.ListLeads(ctx, lead.LeadQuery{Limit: 50}); len(page.Items) != 2 {
				t.Errorf("%d leads after a dry run; want 2", len(page.Items))
			}
			if r := w.Do(t, w.tokens["viewer"], post, "/api/v1/imports?type=leads", file, "Content-Type", "text/csv"); r.Status != 403 {
				t.Errorf("viewer: %d %s", r.Status, r.Body)
			}
			if r := w.Do(t, w.tokens["agent"], post, "/api/v1/imports?type=leads", []byte("company,notes\nACME,x\n"), "Content-Type", "text/csv"); r.Status != 422 ||
				!bytes.Contains(r.Body, []byte("missing_column")) {
				t.Errorf("a file without name, email or phone: %d %s", r.Status, r.Body)
			}
		})
	}
}
