package importer

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/lead"
)

func TestParseCompanySize(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"11-50", "11-50", true},
		{"11 ~ 50 人", "11-50", true},
		{"１１－５０", "11-50", true},
		{"51至200人", "51-200", true},
		{"35", "11-50", true},
		{"1,200", "1001-5000", true},
		{"1 employees", "1-10", true},
		{"5001+", "5001+", true},
		{"5000人以上", "5001+", true},
		{"12000", "5001+", true},
		{"10-50", "", false}, // straddles two bands
		{"100+", "", false},
		{"0", "", false},
		{"很多", "", false},
		{"-5", "", false},
	}
	for _, tt := range tests {
		got, ok := parseCompanySize(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseCompanySize(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestGuessLeadMapping(t *testing.T) {
	tests := []struct {
		headers []string
		want    []string
	}{
		{[]string{"Full Name", "Company", "Job Title", "E-mail Address", "Mobile Phone", "Company Size", "Lead Source",
			"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "Notes", "Owner Email", "Team", "Pool"},
			[]string{"name", "company_name", "title", "email", "phone", "company_size", "source", "utm_source", "utm_medium",
				"utm_campaign", "utm_term", "utm_content", "notes", "owner_email", "team", "pool"}},
		{[]string{"姓名", "公司名称", "职位", "电子邮件", "手机号码", "公司规模", "线索来源", "备注", "负责人邮箱", "团队", "公海"},
			[]string{"name", "company_name", "title", "email", "phone", "company_size", "source", "notes", "owner_email", "team", "pool"}},
		// The owner's email is not the lead's.
		{[]string{"負責人電子郵件", "電子郵件", "電話"}, []string{"owner_email", "email", "phone"}},
	}
	for _, tt := range tests {
		if got := GuessMapping(Leads, tt.headers); !slices.Equal(got, tt.want) {
			t.Errorf("GuessMapping(%q) = %q, want %q", tt.headers, got, tt.want)
		}
	}
}

// FuzzLeadRow: any row of a lead file is either rejected with a reason and
// its cells, or becomes a lead input whose size band is one leads know and
// which is left in its pool exactly when it names no owner.
func FuzzLeadRow(f *testing.F) {
	f.Add("王大明\x00台灣精密機械\x00DaMing@Precision.com.tw\x000912-345-678\x0011~50人\x00referral\x00agent@example.com\x00北區")
	f.Add("\x00\x00\x00\x00很多\x00\x00\x00")
	f.Add("'=cmd\x00'+886\x00a@b\x00'-1\x005000人以上\x00\x00 \x00")
	f.Fuzz(func(t *testing.T, joined string) {
		cells := strings.Split(joined, "\x00")
		mapping := []string{"name", "company_name", "email", "phone", "company_size", "source", "owner_email", "team"}
		rep := &Report{}
		l := &leadRows{opt: Options{Type: Leads, Source: "import"}, rep: rep}
		if err := l.add(context.Background(), row{ordinal: 1, line: 2, cells: cells, mapping: mapping}); err != nil {
			t.Fatal(err)
		}
		switch {
		case rep.Rejected == 1 && len(l.batch) == 0:
			if p := rep.Problems[0]; p.Reason == "" || p.Line != 2 || !slices.Equal(p.Cells, cells) {
				t.Fatalf("problem %+v", p)
			}
		case rep.Rejected == 0 && len(l.batch) == 1:
			x := l.batch[0]
			if s := x.in.CompanySize; s != "" && !slices.Contains(lead.CompanySizes, s) {
				t.Fatalf("company size %q", s)
			}
			if x.in.Unowned != (x.owner == "") || x.in.Source == "" {
				t.Fatalf("row %q → %+v", cells, x)
			}
		default:
			t.Fatalf("rejected %d, batch %d", rep.Rejected, len(l.batch))
		}
	})
}
