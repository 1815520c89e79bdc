package i18n

// importLeadsWebCatalogue holds the words of the import screen for files of
// leads: the type to choose and the fields their columns may go to (the
// fields leads share with contacts — name, email, phone, title — have
// their words already). A key used twice stops the program at once.
var importLeadsWebCatalogue = map[string]entry{
	"import_type.leads":         {"Leads", "潛在客戶", "线索"},
	"import_field.company_name": {"Company name", "公司名稱", "公司名称"},
	"import_field.company_size": {"Company size (employees)", "公司規模（員工人數）", "公司规模（员工人数）"},
	"import_field.source":       {"Lead source", "潛在客戶來源", "线索来源"},
	"import_field.utm_source":   {"UTM source", "UTM 來源", "UTM 来源"},
	"import_field.utm_medium":   {"UTM medium", "UTM 媒介", "UTM 媒介"},
	"import_field.utm_campaign": {"UTM campaign", "UTM 行銷活動", "UTM 营销活动"},
	"import_field.utm_term":     {"UTM term", "UTM 關鍵字", "UTM 关键词"},
	"import_field.utm_content":  {"UTM content", "UTM 廣告內容", "UTM 广告内容"},
	"import_field.notes":        {"Notes", "備註", "备注"},
	"import_field.owner_email":  {"Owner's email", "負責人電子郵件", "负责人邮箱"},
	"import_field.team":         {"Team", "團隊", "团队"},
	"import_field.pool":         {"Lead pool (公海)", "公海", "公海"},
	"import.duplicates_leads":   {"Leads are not matched to stored ones: every row of a file of leads makes a lead.", "潛在客戶不會與已有資料比對：潛在客戶檔案的每一列都會建立一筆。", "线索不会与已有数据比对：线索文件的每一行都会新建一条。"},
}

func init() { joinWebCatalogue("the lead import", importLeadsWebCatalogue) }
