package importer

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// RecordType names what an import creates.
type RecordType string

const (
	Contacts  RecordType = "contacts"
	Companies RecordType = "companies"
	Products  RecordType = "products"
	Orders    RecordType = "orders"
	Events    RecordType = "events"
	Leads     RecordType = "leads"
)

// Fields lists the target fields of a record type, in a sensible order; nil
// for an unknown type.
func Fields(t RecordType) []string {
	if f, ok := fieldsByType[t]; ok {
		return slices.Clone(f)
	}
	return nil
}

var fieldsByType = map[RecordType][]string{
	Contacts: {"display_name", "family_name", "given_name", "email", "phone", "mobile", "street", "city", "region",
		"postal_code", "country", "birthday", "gender", "preferred_language", "tags", "lifecycle_stage", "external_id",
		"company", "title", "note"},
	Companies: {"name", "domain", "industry", "size", "street", "city", "region", "postal_code", "country", "tags",
		"external_id"},
	Products: {"sku", "name", "category", "price", "cost", "currency", "active"},
	Orders: {"order_number", "placed_at", "status", "channel", "currency", "customer_contact_id", "customer_external_id", "customer_email",
		"customer_phone", "customer_name", "customer_country", "sku", "product_name", "quantity", "unit_price",
		"discount", "unit_cost", "line_total"},
	Events: {"type", "channel", "occurred_at", "client_event_id", "contact_id", "external_id", "email", "phone",
		"anonymous_id", "properties"},
	Leads: {"name", "company_name", "title", "email", "phone", "company_size", "source", "utm_source", "utm_medium",
		"utm_campaign", "utm_term", "utm_content", "notes", "owner_email", "team", "pool"},
}

// GuessMapping maps each header (by index) to a target field of t, or ""
// when nothing fits; no field is used twice (the first, best match wins).
//
// A header matches a field when, normalised (see normalizeHeader), it is
// one of the field's synonyms, in English or Chinese; one that holds more
// of them is the better match, so that "Job Title" wins the title over
// Outlook's "Title" (Mr., Ms.). Failing that, a header matches when it contains a synonym
// ("Billing City", "客戶電子郵件"): one that ends the header is better than
// one inside it, since the last word names the thing in both English and
// Chinese ("Company Phone" is a phone, and so is "公司電話"), and then the
// longer the better. Generic words ("name", "date", "price") match only
// exactly, and a header about a kind ("Phone 1 - Type") matches nothing
// inside it. Matches are placed from the best down; among equals the first
// column wins.
func GuessMapping(t RecordType, headers []string) []string {
	mapping := make([]string, len(headers))
	synonyms := synonymIndex[t]
	if synonyms == nil {
		return mapping
	}
	type candidate struct {
		column int
		field  string
		score  int
	}
	var candidates []candidate
	for i, h := range headers {
		h = normalizeHeader(h)
		if h == "" {
			continue
		}
		if field, ok := synonyms[h]; ok {
			candidates = append(candidates, candidate{i, field, exactMatch + specificity(h, field, synonyms)})
			continue
		}
		for syn, field := range synonyms {
			if score := partialMatch(h, syn); score > 0 {
				candidates = append(candidates, candidate{i, field, score})
			}
		}
	}
	slices.SortFunc(candidates, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.column, b.column), strings.Compare(a.field, b.field))
	})
	used := map[string]bool{}
	for _, c := range candidates {
		if mapping[c.column] == "" && !used[c.field] {
			mapping[c.column] = c.field
			used[c.field] = true
		}
	}
	return mapping
}

// specificity counts the synonyms of field that a header holds: "Job
// Title" holds two (title, job title) and is a surer title than "Title".
func specificity(header, field string, synonyms map[string]string) int {
	n := 0
	for syn, f := range synonyms {
		if f == field && strings.Contains(header, syn) {
			n++
		}
	}
	return n
}

// Scores: an exact match outranks every partial one, and a partial match
// at the end of the header outranks every other partial one (synonyms are
// far shorter than suffixMatch bytes).
const (
	exactMatch  = 1 << 20
	suffixMatch = 1 << 10
)

// partialMatch scores a synonym found inside a header, or returns 0.
func partialMatch(header, synonym string) int {
	if exactOnly[synonym] || len(synonym) < 3 || utf8.RuneCountInString(synonym) < 2 ||
		!strings.Contains(header, synonym) {
		return 0
	}
	if strings.HasSuffix(header, synonym) {
		return suffixMatch + len(synonym)
	}
	for _, kind := range []string{"type", "label", "類型", "类型", "種類", "种类"} {
		if strings.HasSuffix(header, kind) {
			return 0
		}
	}
	return len(synonym)
}

// exactOnly holds synonyms too generic to count inside a longer header:
// "Middle Name" is no display name, "Delivery Date" no order date,
// "Discount Code" no discount, "Shipping Cost" no unit cost. (Synonyms of
// one Chinese character or two letters match only exactly anyway.)
var exactOnly = map[string]bool{}

func init() {
	for _, w := range []string{"name", "type", "date", "time", "datetime", "item", "order", "status",
		"data", "stage", "source", "cell", "mail", "tel", "web", "lang", "sex", "org", "url", "dob", "cost",
		"price", "discount", "description", "customer", "contact", "product", "invoice", "event", "action",
		"details", "props",
		"名字", "名稱", "名称", "客戶", "客户", "商品", "產品", "产品", "日期", "時間", "时间", "狀態", "状态",
		"類型", "类型", "編號", "编号", "訂單", "订单", "事件"} {
		exactOnly[normalizeHeader(w)] = true
	}
}

// normalizeHeader folds a header for matching: full-width letters and
// digits to ASCII, lower case, without spaces, underscores, hyphens, dots,
// slashes, colons, '#', asterisks (of required columns), parentheses, byte
// order marks or digits, which number repeated columns ("E-mail 2
// Address", "電話2"). "Ｅ-Mail Address*" becomes "emailaddress".
func normalizeHeader(h string) string {
	h = width.Narrow.String(h)
	h = strings.ToLower(h)
	return strings.Map(func(r rune) rune {
		switch {
		case '0' <= r && r <= '9':
			return -1
		}
		switch r {
		case ' ', '\t', '\u00A0', '\u3000', '_', '-', '.', '/', ':', '#', '*', '(', ')', '\uFEFF', '\u200B':
			return -1
		}
		return r
	}, h)
}

// synonymIndex maps normalised synonyms to fields, per record type.
var synonymIndex = func() map[RecordType]map[string]string {
	index := map[RecordType]map[string]string{}
	for t, fields := range synonyms {
		index[t] = map[string]string{}
		for field, words := range fields {
			for _, w := range words {
				index[t][normalizeHeader(w)] = field
			}
		}
	}
	return index
}()

// Synonyms shared by several record types.
var (
	emailWords = []string{"email", "e-mail", "email address", "e-mail address", "mail", "mail address",
		"電子郵件", "电子邮件", "電子郵件地址", "电子邮件地址", "電子信箱", "电子信箱", "電郵", "电邮", "郵件", "邮件",
		"郵件地址", "邮件地址", "郵箱", "邮箱", "邮箱地址", "信箱", "email地址", "e-mail地址"}
	phoneWords = []string{"phone", "telephone", "tel", "phone number", "telephone number", "landline",
		"home phone", "work phone", "business phone", "電話", "电话", "市話", "市话", "電話號碼", "电话号码",
		"聯絡電話", "联络电话", "聯繫電話", "联系电话", "連絡電話", "固定電話", "固定电话", "座機", "座机"}
	mobileWords = []string{"mobile", "mobile phone", "mobile number", "cell", "cell phone", "cellphone",
		"手機", "手机", "手機號碼", "手机号码", "手機號", "手机号", "行動電話", "行动电话", "移動電話", "移动电话",
		"手提電話", "手提电话"}
	streetWords = []string{"street", "address", "street address", "address line 1", "address1", "addr",
		"地址", "住址", "街道", "街道地址", "詳細地址", "详细地址", "通訊地址", "通讯地址", "聯絡地址", "联系地址",
		"收件地址", "收货地址"}
	cityWords   = []string{"city", "town", "城市", "縣市", "县市", "市"}
	regionWords = []string{"region", "state", "province", "state/province", "county",
		"省", "省份", "州", "省/州", "地區", "地区", "區域", "区域"}
	postalWords = []string{"postal code", "postcode", "post code", "zip", "zip code", "zipcode",
		"郵遞區號", "邮递区号", "郵政編碼", "邮政编码", "郵編", "邮编", "郵政號碼"}
	countryWords = []string{"country", "country/region", "nation", "國家", "国家", "國家/地區", "国家/地区",
		"國別", "国别"}
	tagWords        = []string{"tags", "tag", "labels", "categories", "group membership", "groups", "標籤", "标签", "分組", "分组"}
	customerIDWords = []string{"customer id", "customerid", "customer no", "customer number", "member id",
		"member no", "客戶編號", "客户编号", "客戶代號", "客户代码", "客戶id", "客户id", "會員編號", "会员编号",
		"會員號碼", "会员号", "會員id", "会员id", "顧客編號", "顾客编号", "會員卡號", "会员卡号"}
	skuWords = []string{"sku", "sku code", "stock code", "stockcode", "product code", "item code", "item no",
		"item number", "article number", "product id", "lineitem sku",
		"貨號", "货号", "品號", "品号", "料號", "料号", "商品編號", "商品编号", "商品代碼", "商品代码",
		"產品編號", "产品编号", "商品貨號", "商品货号"}
	productNameWords = []string{"product", "product name", "item", "item name", "description", "lineitem name",
		"品名", "商品", "產品", "产品", "商品名稱", "商品名称", "產品名稱", "产品名称", "品項", "品项"}
	currencyWords = []string{"currency", "currency code", "幣別", "币别", "幣種", "币种", "貨幣", "货币"}
	channelWords  = []string{"channel", "sales channel", "source", "platform", "渠道", "通路", "管道", "銷售通路",
		"销售渠道", "來源", "来源", "平台", "平臺"}
)

// synonyms lists, per record type and field, the headers that name it.
var synonyms = map[RecordType]map[string][]string{
	Contacts: {
		"display_name": {"name", "full name", "display name", "contact", "contact name", "customer",
			"customer name", "姓名", "名字", "全名", "客戶", "客户", "客戶名稱", "客户名称", "客戶姓名", "客户姓名",
			"聯絡人", "联络人", "联系人", "會員名稱", "会员名称", "會員姓名", "会员姓名", "顧客姓名", "顾客姓名", "稱呼", "称呼"},
		"family_name": {"last name", "lastname", "surname", "family name", "姓", "姓氏"},
		"given_name":  {"first name", "firstname", "given name", "forename", "名"},
		"email":       emailWords,
		"phone":       phoneWords,
		"mobile":      mobileWords,
		"street":      streetWords,
		"city":        cityWords,
		"region":      regionWords,
		"postal_code": postalWords,
		"country":     countryWords,
		"birthday": {"birthday", "birth date", "birthdate", "date of birth", "dob", "生日", "出生日期", "出生年月日",
			"出生年月", "生日日期"},
		"gender": {"gender", "sex", "性別", "性别"},
		"preferred_language": {"preferred language", "language", "lang", "locale", "語言", "语言", "偏好語言",
			"偏好语言", "首選語言", "首选语言"},
		"tags": tagWords,
		"lifecycle_stage": {"lifecycle stage", "lifecycle", "stage", "lead status", "生命週期", "生命周期",
			"客戶階段", "客户阶段", "階段", "阶段"},
		"external_id": append([]string{"id", "external id", "contact id", "編號", "编号"}, customerIDWords...),
		"company": {"company", "company name", "organization", "organisation", "org", "employer", "公司",
			"公司名稱", "公司名称", "單位", "单位", "工作單位", "工作单位", "任職公司", "任职公司"},
		"title": {"title", "job title", "jobtitle", "position", "occupation", "職稱", "职称", "職位", "职位", "職務", "职务",
			"頭銜", "头衔"},
		"note": {"note", "notes", "remark", "remarks", "comment", "comments", "memo", "備註", "备注", "附註",
			"附注", "註記", "说明", "說明"},
	},
	Companies: {
		"name": {"name", "company", "company name", "organization", "organisation", "account name", "business name",
			"公司", "公司名稱", "公司名称", "企業名稱", "企业名称", "名稱", "名称", "廠商名稱", "厂商名称", "客戶名稱", "客户名称"},
		"domain": {"domain", "website", "web site", "url", "homepage", "web", "網域", "域名", "網站", "网站",
			"官網", "官网", "網址", "网址"},
		"industry": {"industry", "sector", "行業", "行业", "產業", "产业", "行業別"},
		"size": {"size", "employees", "company size", "number of employees", "headcount", "規模", "规模",
			"員工人數", "员工人数", "人數", "人数"},
		"street":      streetWords,
		"city":        cityWords,
		"region":      regionWords,
		"postal_code": postalWords,
		"country":     countryWords,
		"tags":        tagWords,
		"external_id": {"id", "external id", "company id", "account id", "公司編號", "公司编号", "客戶編號", "客户编号",
			"統一編號", "统一编号", "統編", "编号", "編號"},
	},
	Products: {
		"sku":      skuWords,
		"name":     append([]string{"name", "title", "名稱", "名称"}, productNameWords...),
		"category": {"category", "product type", "type", "類別", "类别", "分類", "分类", "品類", "品类", "商品分類", "商品分类", "類型", "类型"},
		"price": {"price", "unit price", "unitprice", "sale price", "retail price", "list price", "價格", "价格",
			"售價", "售价", "單價", "单价", "定價", "定价", "價錢", "价钱", "零售價", "零售价"},
		"cost":     {"cost", "cost price", "unit cost", "成本", "成本價", "成本价", "進價", "进价", "採購價", "采购价"},
		"currency": currencyWords,
		"active":   {"active", "enabled", "status", "published", "啟用", "启用", "上架", "是否上架", "狀態", "状态"},
	},
	Orders: {
		"order_number": {"order number", "order no", "order id", "orderid", "order", "order #", "order#",
			"invoice", "invoice no", "invoiceno", "invoice number", "訂單編號", "订单编号", "訂單號", "订单号",
			"訂單號碼", "订单号码", "訂單", "订单", "單號", "单号", "發票號碼", "发票号码"},
		"placed_at": {"date", "order date", "invoice date", "invoicedate", "created at", "created", "order time",
			"placed at", "purchase date", "日期", "下單時間", "下单时间", "下單日期", "下单日期", "訂單日期", "订单日期",
			"訂購日期", "订购日期", "交易日期", "交易時間", "交易时间", "購買時間", "购买时间", "時間", "时间"},
		"status":               {"status", "order status", "financial status", "狀態", "状态", "訂單狀態", "订单状态"},
		"channel":              channelWords,
		"currency":             currencyWords,
		"customer_external_id": customerIDWords,
		"customer_email":       append([]string{"customer email", "buyer email"}, emailWords...),
		"customer_phone": append(append([]string{"customer phone", "buyer phone", "收件人電話", "收件人电话"},
			phoneWords...), mobileWords...),
		"customer_name": {"name", "customer", "customer name", "buyer", "buyer name", "billing name", "姓名",
			"客戶", "客户", "客戶名稱", "客户名称", "客戶姓名", "客户姓名", "顧客", "顾客", "買家", "买家", "收件人",
			"會員名稱", "会员名称", "購買人", "购买人", "訂購人", "订购人"},
		"customer_country": append([]string{"billing country", "shipping country"}, countryWords...),
		"sku":              skuWords,
		"product_name":     productNameWords,
		"quantity": {"quantity", "qty", "lineitem quantity", "數量", "数量", "件數", "件数", "訂購數量",
			"订购数量", "購買數量", "购买数量"},
		"unit_price": {"unit price", "unitprice", "price", "lineitem price", "單價", "单价", "價格", "价格",
			"售價", "售价", "商品單價", "商品单价"},
		"discount":   {"discount", "discount amount", "lineitem discount", "折扣", "折扣金額", "折扣金额", "優惠", "优惠", "優惠金額", "优惠金额"},
		"unit_cost":  {"unit cost", "cost", "成本", "單位成本", "单位成本", "進價", "进价"},
		"line_total": {"line total", "total", "amount", "sales", "subtotal", "lineitem total", "金額", "金额", "小計", "小计", "總價", "总价"},
	},
	Events: {
		"type": {"type", "event", "event type", "event name", "action", "事件", "事件類型", "事件类型", "類型",
			"类型", "行為", "行为"},
		"channel": channelWords,
		"occurred_at": {"occurred at", "timestamp", "time", "date", "datetime", "date time", "event time",
			"created at", "時間", "时间", "發生時間", "发生时间", "日期", "日期時間", "日期时间"},
		"client_event_id": {"event id", "eventid", "message id", "事件編號", "事件编号", "事件id"},
		"contact_id":      {"contact id", "contactid", "聯絡人編號", "联系人编号", "聯絡人id", "联系人id"},
		"external_id": append([]string{"external id", "user id", "userid", "用戶id", "用户id", "用戶編號",
			"用户编号"}, customerIDWords...),
		"email": emailWords,
		"phone": append(slices.Clone(phoneWords), mobileWords...),
		"anonymous_id": {"anonymous id", "anonymousid", "cookie id", "cookieid", "device id", "visitor id",
			"client id", "訪客編號", "访客编号", "訪客id", "访客id", "匿名id"},
		"properties": {"properties", "props", "attributes", "data", "payload", "details", "屬性", "属性", "詳情", "详情"},
	},
	Leads: {
		"name": {"name", "full name", "contact", "contact name", "lead", "lead name", "姓名", "名字", "全名", "聯絡人",
			"联络人", "联系人", "聯絡人姓名", "联系人姓名", "客戶姓名", "客户姓名", "稱呼", "称呼"},
		"company_name": {"company", "company name", "organization", "organisation", "org", "account name", "employer",
			"公司", "公司名稱", "公司名称", "單位", "单位", "企業名稱", "企业名称", "任職公司", "任职公司"},
		"title": {"title", "job title", "jobtitle", "position", "職稱", "职称", "職位", "职位", "職務", "职务", "頭銜", "头衔"},
		"email": emailWords,
		"phone": append(slices.Clone(phoneWords), mobileWords...),
		"company_size": {"company size", "size", "employees", "number of employees", "headcount", "公司規模", "公司规模",
			"規模", "规模", "員工人數", "员工人数", "人數", "人数"},
		"source":       {"source", "lead source", "來源", "来源", "名單來源", "名单来源", "線索來源", "线索来源", "潛客來源", "潜客来源"},
		"utm_source":   {"utm_source", "utm source"},
		"utm_medium":   {"utm_medium", "utm medium", "medium", "媒介"},
		"utm_campaign": {"utm_campaign", "utm campaign", "campaign", "行銷活動", "营销活动", "廣告活動", "广告活动"},
		"utm_term":     {"utm_term", "utm term", "keyword", "關鍵字", "关键词", "關鍵詞"},
		"utm_content":  {"utm_content", "utm content", "ad content", "廣告內容", "广告内容"},
		"notes": {"note", "notes", "remark", "remarks", "comment", "comments", "memo", "備註", "备注", "附註", "附注",
			"註記", "说明", "說明"},
		"owner_email": {"owner", "owner email", "owner e-mail", "lead owner", "assigned to", "sales rep", "負責人",
			"负责人", "負責人信箱", "负责人邮箱", "負責人電子郵件", "负责人电子邮件", "負責業務", "负责销售", "業務", "业务",
			"業務員", "业务员", "跟進人", "跟进人"},
		"team": {"team", "sales team", "團隊", "团队", "小組", "小组", "業務團隊", "销售团队", "部門", "部门"},
		"pool": {"pool", "lead pool", "公海", "線索池", "线索池", "名單池", "名单池", "客戶池", "客户池"},
	},
}
