package i18n

// quoteCatalogue holds the words of the printable quote (internal/http/api,
// GET /quotes/{id}/document). They join the web UI's strings at start.
var quoteCatalogue = map[string]entry{
	"quote.title":       {"Quote {number}", "報價單 {number}", "报价单 {number}"},
	"quote.deal":        {"For", "商機", "商机"},
	"quote.date":        {"Date", "日期", "日期"},
	"quote.valid_until": {"Valid until", "有效期限", "有效期至"},
	"quote.status":      {"Status", "狀態", "状态"},
	"quote.item":        {"Item", "品項", "品项"},
	"quote.quantity":    {"Quantity", "數量", "数量"},
	"quote.unit_price":  {"Unit price", "單價", "单价"},
	"quote.discount":    {"Discount", "折扣", "折扣"},
	"quote.amount":      {"Amount", "金額", "金额"},
	"quote.subtotal":    {"Subtotal", "小計", "小计"},
	"quote.total":       {"Total ({currency})", "總計（{currency}）", "总计（{currency}）"},
	"quote.terms":       {"Terms", "條款", "条款"},
	"quote.notes":       {"Notes", "備註", "备注"},
	"quote.expired":     {"This quote has expired.", "此報價單已逾期。", "此报价单已过期。"},
	"quote.print":       {"Print", "列印", "打印"},
	"quote.draft":       {"Draft", "草稿", "草稿"},
	"quote.sent":        {"Sent", "已送出", "已发送"},
	"quote.accepted":    {"Accepted", "已接受", "已接受"},
	"quote.rejected":    {"Rejected", "已拒絕", "已拒绝"},
}

func init() {
	for k, v := range quoteCatalogue {
		webCatalogue[k] = v
	}
}
