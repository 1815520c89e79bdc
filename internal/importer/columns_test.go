package importer

import (
	"slices"
	"strings"
	"testing"
)

func TestGuessMapping(t *testing.T) {
	tests := []struct {
		name    string
		typ     RecordType
		headers []string
		want    []string
	}{
		{
			name:    "UCI Online Retail",
			typ:     Orders,
			headers: []string{"InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"},
			want: []string{"order_number", "sku", "product_name", "quantity", "placed_at", "unit_price",
				"customer_external_id", "customer_country"},
		},
		{
			name: "Shopify orders",
			typ:  Orders,
			headers: []string{"Name", "Email", "Financial Status", "Fulfillment Status", "Currency", "Discount Code",
				"Discount Amount", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
				"Lineitem compare at price", "Lineitem sku", "Billing Name", "Billing Country", "Phone", "Source"},
			want: []string{"", "customer_email", "status", "", "currency", "", "discount", "placed_at", "quantity",
				"product_name", "unit_price", "", "sku", "customer_name", "customer_country", "customer_phone", "channel"},
		},
		{
			name:    "orders in Traditional Chinese",
			typ:     Orders,
			headers: []string{"訂單編號", "訂購日期", "客戶編號", "客戶姓名", "手機", "貨號", "品名", "數量", "單價", "折扣", "通路"},
			want: []string{"order_number", "placed_at", "customer_external_id", "customer_name", "customer_phone", "sku",
				"product_name", "quantity", "unit_price", "discount", "channel"},
		},
		{
			name:    "orders in Simplified Chinese",
			typ:     Orders,
			headers: []string{"订单号", "下单时间", "会员编号", "收件人", "手机号码", "货号", "商品名称", "数量", "单价", "优惠金额", "币种", "渠道"},
			want: []string{"order_number", "placed_at", "customer_external_id", "customer_name", "customer_phone", "sku",
				"product_name", "quantity", "unit_price", "discount", "currency", "channel"},
		},
		{
			name: "contacts in Traditional Chinese",
			typ:  Contacts,
			headers: []string{"客戶編號", "姓名", "性別", "生日", "手機", "電話", "電子郵件", "郵遞區號", "縣市", "地址",
				"公司名稱", "職稱", "標籤", "備註", "國家"},
			want: []string{"external_id", "display_name", "gender", "birthday", "mobile", "phone", "email", "postal_code",
				"city", "street", "company", "title", "tags", "note", "country"},
		},
		{
			name: "contacts in Simplified Chinese",
			typ:  Contacts,
			headers: []string{"会员编号", "姓", "名", "性别", "出生日期", "手机号", "联系电话", "邮箱", "邮编", "省份", "城市",
				"详细地址", "公司", "职位", "标签", "备注"},
			want: []string{"external_id", "family_name", "given_name", "gender", "birthday", "mobile", "phone", "email",
				"postal_code", "region", "city", "street", "company", "title", "tags", "note"},
		},
		{
			name:    "full-width letters, spaces and a BOM",
			typ:     Contacts,
			headers: []string{"\ufeffＮａｍｅ", "Ｅ－ｍａｉｌ", " MOBILE　PHONE ", "zip_code", "Date.Of.Birth", "姓名*"},
			want:    []string{"display_name", "email", "mobile", "postal_code", "birthday", ""},
		},
		{
			name:    "unknown headers",
			typ:     Contacts,
			headers: []string{"Favourite colour", "", "123", "???", "折扣"},
			want:    []string{"", "", "", "", ""},
		},
		{
			name:    "no field used twice",
			typ:     Contacts,
			headers: []string{"Email", "E-mail", "電子郵件", "Phone", "電話"},
			want:    []string{"email", "", "", "phone", ""},
		},
		{
			name:    "partial matches",
			typ:     Contacts,
			headers: []string{"Customer First Name", "Customer Last Name", "Work Email", "Company Phone", "Billing City", "客戶聯絡地址"},
			want:    []string{"given_name", "family_name", "email", "phone", "city", "street"},
		},
		{
			name:    "partial matches in Chinese",
			typ:     Contacts,
			headers: []string{"客戶電子郵件地址", "公司電話", "公司名稱(英文)", "會員生日"},
			want:    []string{"email", "phone", "company", "birthday"},
		},
		{
			name: "Google Contacts CSV",
			typ:  Contacts,
			headers: []string{"Name", "Given Name", "Additional Name", "Family Name", "Yomi Name", "Nickname", "Birthday",
				"Gender", "Notes", "Language", "Group Membership", "E-mail 1 - Type", "E-mail 1 - Value", "Phone 1 - Type",
				"Phone 1 - Value", "Phone 2 - Type", "Phone 2 - Value", "Address 1 - Type", "Address 1 - Formatted",
				"Address 1 - Street", "Address 1 - City", "Address 1 - Region", "Address 1 - Postal Code",
				"Address 1 - Country", "Organization 1 - Type", "Organization 1 - Name", "Organization 1 - Title"},
			want: []string{"display_name", "given_name", "", "family_name", "", "", "birthday",
				"gender", "note", "preferred_language", "tags", "", "email", "",
				"phone", "", "", "", "",
				"street", "city", "region", "postal_code",
				"country", "", "company", "title"},
		},
		{
			name: "Outlook CSV",
			typ:  Contacts,
			headers: []string{"Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department",
				"Job Title", "Business Street", "Business City", "Business Postal Code", "Business Phone", "Mobile Phone",
				"E-mail Address", "E-mail 2 Address", "Birthday", "Categories", "Notes"},
			want: []string{"", "given_name", "", "family_name", "", "company", "",
				"title", "street", "city", "postal_code", "phone", "mobile",
				"email", "", "birthday", "tags", "note"},
		},
		{
			name:    "companies",
			typ:     Companies,
			headers: []string{"公司名稱", "統一編號", "網站", "產業", "員工人數", "地址", "城市", "Country", "Tags"},
			want:    []string{"name", "external_id", "domain", "industry", "size", "street", "city", "country", "tags"},
		},
		{
			name:    "products",
			typ:     Products,
			headers: []string{"SKU", "Title", "Product Type", "Price", "Cost", "Currency", "Status", "Variant SKU"},
			want:    []string{"sku", "name", "category", "price", "cost", "currency", "active", ""},
		},
		{
			name:    "products in Chinese",
			typ:     Products,
			headers: []string{"商品編號", "商品名稱", "分类", "售價", "进价", "幣別", "上架"},
			want:    []string{"sku", "name", "category", "price", "cost", "currency", "active"},
		},
		{
			name:    "events",
			typ:     Events,
			headers: []string{"Event Type", "Channel", "Timestamp", "Event ID", "Customer ID", "Email", "Mobile", "Cookie ID", "Properties"},
			want:    []string{"type", "channel", "occurred_at", "client_event_id", "external_id", "email", "phone", "anonymous_id", "properties"},
		},
		{
			name:    "events in Chinese",
			typ:     Events,
			headers: []string{"事件", "通路", "時間", "會員編號", "訪客編號"},
			want:    []string{"type", "channel", "occurred_at", "external_id", "anonymous_id"},
		},
		{
			name:    "description by record type",
			typ:     Products,
			headers: []string{"Description", "StockCode"},
			want:    []string{"name", "sku"},
		},
		{
			name:    "unknown record type",
			typ:     "invoices",
			headers: []string{"Name"},
			want:    []string{""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := GuessMapping(tt.typ, tt.headers)
			if !slices.Equal(got, tt.want) {
				for i := range max(len(got), len(tt.want)) {
					g, w := at(got, i), at(tt.want, i)
					if g != w {
						t.Errorf("%q → %q, want %q", at(tt.headers, i), g, w)
					}
				}
			}
		})
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "<none>"
}

func TestFields(t *testing.T) {
	for _, typ := range []RecordType{Contacts, Companies, Products, Orders, Events} {
		t.Run(string(typ), func(t *testing.T) {
			fields := Fields(typ)
			if len(fields) == 0 {
				t.Fatal("no fields")
			}
			seen := map[string]bool{}
			for _, f := range fields {
				if seen[f] {
					t.Errorf("%s twice", f)
				}
				seen[f] = true
			}
			fields[0] = "changed"
			if Fields(typ)[0] == "changed" {
				t.Error("Fields returns its own slice")
			}
		})
	}
	if Fields("invoices") != nil {
		t.Error("fields for an unknown type")
	}
}

// TestSynonyms checks the synonym table: every field it names is a field
// of the type, and no normalised synonym names two fields of one type.
func TestSynonyms(t *testing.T) {
	for typ, fields := range synonyms {
		t.Run(string(typ), func(t *testing.T) {
			field := map[string]string{}
			for f, words := range fields {
				if !slices.Contains(Fields(typ), f) {
					t.Errorf("synonyms for %q, which is not a field", f)
				}
				for _, w := range words {
					n := normalizeHeader(w)
					if n == "" {
						t.Errorf("%q normalises to nothing", w)
					}
					if other, ok := field[n]; ok && other != f {
						t.Errorf("%q names both %s and %s", w, other, f)
					}
					field[n] = f
				}
			}
		})
	}
}

func TestNormalizeHeader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"E-Mail Address", "emailaddress"},
		{"Ｅ－ｍａｉｌ", "email"},
		{"\ufeffCustomer_ID", "customerid"},
		{"電話 2", "電話"},
		{"郵遞區號：", "郵遞區號"},
		{"Order #", "order"},
		{" Ｐｈｏｎｅ（ｈｏｍｅ） ", "phonehome"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := normalizeHeader(tt.in); got != tt.want {
				t.Errorf("normalizeHeader(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzGuessMapping: never panics, one answer per header, each a field of
// the type, none twice.
func FuzzGuessMapping(f *testing.F) {
	f.Add(uint8(3), "InvoiceNo\x00StockCode\x00Description\x00Quantity")
	f.Add(uint8(0), "姓名\x00電話\x00ＥＭＡＩＬ\x00\x00電話")
	f.Add(uint8(6), "姓名\x00公司\x00電子郵件\x00手機\x00公司規模\x00來源\x00utm_source\x00負責人電子郵件\x00團隊\x00公海")
	f.Fuzz(func(t *testing.T, typeChoice uint8, joined string) {
		types := []RecordType{Contacts, Companies, Products, Orders, Events, "unknown", Leads}
		typ := types[int(typeChoice)%len(types)]
		headers := strings.Split(joined, "\x00")
		got := GuessMapping(typ, headers)
		if len(got) != len(headers) {
			t.Fatalf("%d answers for %d headers", len(got), len(headers))
		}
		seen := map[string]bool{}
		for i, field := range got {
			if field == "" {
				continue
			}
			if !slices.Contains(Fields(typ), field) {
				t.Fatalf("header %q → %q, not a field of %s", headers[i], field, typ)
			}
			if seen[field] {
				t.Fatalf("%q used twice in %q", field, got)
			}
			seen[field] = true
		}
	})
}
