package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/lead"
)

// TestImportLeadsScreen imports a GBK file of leads from the import screen
// in Simplified Chinese: leads are a type to choose, their columns are
// guessed and labelled, and the leads are made.
func TestImportLeadsScreen(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "zh-CN")
	b.signIn("owner@example.com", password)
	file, err := simplifiedchinese.GBK.NewEncoder().String("姓名,公司名称,电子邮件,公司规模,负责人\r\n张伟,精工有限公司,wei@jinggong.cn,51-200,agent@example.com\r\n刘洋,,not-an-email,,\r\n")
	if err != nil {
		t.Fatal(err)
	}
	upload := func(path string, fields url.Values, headers ...string) *page {
		return b.upload(path, fields, "线索.csv", file, headers...)
	}

	expect(t, b.get("/import"), 200, `<option value="leads">线索</option>`)
	p := upload("/import/preview", url.Values{"type": {"leads"}}, "HX-Request", "true")
	expect(t, p, 200, "张伟", `<option value="company_name" selected>公司名称</option>`,
		`<option value="company_size" selected>公司规模（员工人数）</option>`, `<option value="owner_email" selected>负责人邮箱</option>`,
		`<option value="pool">公海</option>`)

	p = upload("/import", url.Values{"type": {"leads"}, "mapping": {"name", "company_name", "email", "company_size", "owner_email"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/imports/") {
		t.Fatalf("start: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	b.importDone(p.Location)
	page, err := s.Leads.ListLeads(crm.WithPrincipal(context.Background(), crm.System), lead.LeadQuery{})
	if err != nil || len(page.Items) != 1 || page.Items[0].Name != "张伟" || page.Items[0].Score != 30 || page.Items[0].OwnerID == nil {
		t.Fatalf("leads %+v, %v", page.Items, err)
	}
}
