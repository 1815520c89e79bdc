package i18n

// custlistWebCatalogue holds the strings of the customers list's filter bar,
// saved views and actions on ticked rows (internal/http/web/customers.go).
// They join the web UI's strings at start; a key used twice stops the
// program at once.
var custlistWebCatalogue = map[string]entry{
	// Fields the filter bar offers that have no label elsewhere.
	"custlist.field_tag":     {"Tag", "標籤", "标签"},
	"custlist.field_created": {"Created", "建立日期", "创建日期"},
	"custlist.field_updated": {"Last changed", "最後修改", "最后修改"},
	"custlist.field_email":   {"Email", "電子郵件", "电子邮件"},
	"custlist.field_phone":   {"Phone", "電話", "电话"},

	// Operators.
	// One list serves dates and numbers alike, so the comparisons say
	// both.
	"custlist.op_eq":     {"is", "是", "是"},
	"custlist.op_ne":     {"is not", "不是", "不是"},
	"custlist.op_in":     {"is one of", "為下列之一", "为下列之一"},
	"custlist.op_prefix": {"starts with", "開頭為", "开头为"},
	"custlist.op_gt":     {"after / more than", "晚於／大於", "晚于／大于"},
	"custlist.op_gte":    {"on or after / at least", "當天或之後／至少", "当天或之后／至少"},
	"custlist.op_lt":     {"before / less than", "早於／小於", "早于／小于"},
	"custlist.op_lte":    {"on or before / at most", "當天或之前／至多", "当天或之前／至多"},
	"custlist.op_any":    {"has a value", "有填寫", "有填写"},
	"custlist.op_none":   {"is empty", "未填寫", "未填写"},

	// Filters in words, as the chips above the list show them.
	"custlist.chip_eq":     {"{field} is {value}", "{field}：{value}", "{field}：{value}"},
	"custlist.chip_ne":     {"{field} is not {value}", "{field}不是{value}", "{field}不是{value}"},
	"custlist.chip_in":     {"{field} is one of {value}", "{field}為{value}之一", "{field}为{value}之一"},
	"custlist.chip_prefix": {"{field} starts with {value}", "{field}開頭為「{value}」", "{field}开头为“{value}”"},
	"custlist.chip_gte":    {"{field} on or after {value}", "{field}在 {value} 當天或之後", "{field}在 {value} 当天或之后"},
	"custlist.chip_gt":     {"{field} after {value}", "{field}在 {value} 之後", "{field}在 {value} 之后"},
	"custlist.chip_lt":     {"{field} before {value}", "{field}在 {value} 之前", "{field}在 {value} 之前"},
	"custlist.chip_lte":    {"{field} on or before {value}", "{field}在 {value} 當天或之前", "{field}在 {value} 当天或之前"},
	"custlist.chip_any":    {"{field} has a value", "{field}有填寫", "{field}有填写"},
	"custlist.chip_none":   {"{field} is empty", "{field}未填寫", "{field}未填写"},
	"custlist.chip_other":  {"{field} {op} {value}", "{field} {op} {value}", "{field} {op} {value}"},
	// Numbers and amounts of custom fields compare as numbers do.
	"custlist.chip_num_eq":  {"{field} = {value}", "{field} = {value}", "{field} = {value}"},
	"custlist.chip_num_ne":  {"{field} ≠ {value}", "{field} ≠ {value}", "{field} ≠ {value}"},
	"custlist.chip_num_gt":  {"{field} > {value}", "{field} > {value}", "{field} > {value}"},
	"custlist.chip_num_gte": {"{field} ≥ {value}", "{field} ≥ {value}", "{field} ≥ {value}"},
	"custlist.chip_num_lt":  {"{field} < {value}", "{field} < {value}", "{field} < {value}"},
	"custlist.chip_num_lte": {"{field} ≤ {value}", "{field} ≤ {value}", "{field} ≤ {value}"},
	// A multi-select field holds several values.
	"custlist.chip_set_eq": {"{field} includes {value}", "{field}包含{value}", "{field}包含{value}"},
	"custlist.chip_set_ne": {"{field} does not include {value}", "{field}不包含{value}", "{field}不包含{value}"},
	"custlist.chip_set_in": {"{field} includes one of {value}", "{field}包含{value}之一", "{field}包含{value}之一"},
	"custlist.me":          {"Me", "我", "我"},

	// The filter bar.
	"custlist.active_filters":   {"Filters", "篩選條件", "筛选条件"},
	"custlist.remove_filter":    {"Remove the filter “{filter}”", "移除篩選條件「{filter}」", "移除筛选条件“{filter}”"},
	"custlist.clear_filters":    {"Clear filters", "清除篩選", "清除筛选"},
	"custlist.add_filter":       {"Add a filter", "新增篩選條件", "添加筛选条件"},
	"custlist.field":            {"Field", "欄位", "字段"},
	"custlist.operator":         {"Condition", "條件", "条件"},
	"custlist.value":            {"Value", "值", "值"},
	"custlist.add":              {"Add filter", "加入篩選", "添加筛选"},
	"custlist.value_hint":       {"Dates as YYYY-MM-DD; an owner by name or “Me”; for “is one of”, choices separated by commas.", "日期請用 YYYY-MM-DD；負責人可填姓名或「我」；「為下列之一」可填多個選項，以逗號分隔。", "日期请用 YYYY-MM-DD；负责人可填姓名或“我”；“为下列之一”可填多个选项，以逗号分隔。"},
	"custlist.custom_fields":    {"Custom fields", "自訂欄位", "自定义字段"},
	"custlist.invalid_amount":   {"Write an amount in {currency}, such as 1200 or 1,200.50.", "請輸入以 {currency} 計的金額，例如 1200 或 1,200.50。", "请输入以 {currency} 计的金额，例如 1200 或 1,200.50。"},
	"custlist.sort":             {"Sort by", "排序方式", "排序方式"},
	"custlist.apply":            {"Apply", "套用", "应用"},
	"custlist.op_not_for_field": {"“{op}” does not apply to {field}.", "「{op}」不適用於{field}。", "“{op}”不适用于{field}。"},
	"custlist.value_not_one_of": {"{field} is one of: {allowed}.", "{field}須為下列之一：{allowed}。", "{field}须为下列之一：{allowed}。"},
	"custlist.list_sep":         {", ", "、", "、"},
	"custlist.no_such_user":     {"There is no user named “{name}”.", "找不到名為「{name}」的使用者。", "找不到名为“{name}”的用户。"},
	"custlist.cannot_filter":    {"The list cannot be shown with these filters:", "無法依這些篩選條件顯示清單：", "无法按这些筛选条件显示列表："},
	"custlist.no_match_filters": {"No customer matches these filters.", "沒有符合這些篩選條件的客戶。", "没有符合这些筛选条件的客户。"},

	// Sorts.
	"custlist.sort_newest":    {"Newest first", "最新建立", "最新创建"},
	"custlist.sort_oldest":    {"Oldest first", "最早建立", "最早创建"},
	"custlist.sort_name":      {"Name (A–Z)", "名稱（遞增）", "名称（升序）"},
	"custlist.sort_name_desc": {"Name (Z–A)", "名稱（遞減）", "名称（降序）"},
	"custlist.sort_updated":   {"Recently changed", "最近修改", "最近修改"},
	"custlist.sort_city":      {"City", "城市／鄉鎮", "城市"},
	"custlist.sort_stage":     {"Lifecycle stage", "生命週期階段", "生命周期阶段"},

	// Saved views.
	"custlist.views":       {"Your saved views", "我的檢視", "我的视图"},
	"custlist.all":         {"All customers", "全部客戶", "全部客户"},
	"custlist.delete_view": {"Delete the view “{name}”", "刪除檢視「{name}」", "删除视图“{name}”"},
	"custlist.save_as":     {"Save this view as", "將此檢視儲存為", "将此视图保存为"},
	"custlist.save_view":   {"Save view", "儲存檢視", "保存视图"},

	// Actions on ticked rows.
	"custlist.bulk":           {"With the selected customers", "對選取的客戶", "对选中的客户"},
	"custlist.select_page":    {"Select all on this page", "全選本頁", "全选本页"},
	"custlist.select_one":     {"Select {name}", "選取 {name}", "选择 {name}"},
	"custlist.tag_label":      {"Tag", "標籤", "标签"},
	"custlist.add_tag":        {"Add tag", "加上標籤", "添加标签"},
	"custlist.owner_label":    {"Owner", "負責人", "负责人"},
	"custlist.assign":         {"Assign", "指派", "分配"},
	"custlist.export":         {"Export as CSV", "匯出 CSV", "导出 CSV"},
	"custlist.none_selected":  {"Select at least one customer.", "請至少選取一位客戶。", "请至少选择一位客户。"},
	"custlist.report_updated": {"{n} updated", "已更新 {n} 位", "已更新 {n} 位"},
	"custlist.report_refused": {"{n} not allowed", "{n} 位無權修改", "{n} 位无权修改"},
	"custlist.report_failed":  {"{n} not changed", "{n} 位未能修改", "{n} 位未能修改"},
}

func init() { joinWebCatalogue("the customers list", custlistWebCatalogue) }
