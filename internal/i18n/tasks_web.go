package i18n

// tasksWebCatalogue holds the strings of the web UI's work lists (package
// activity): "My tasks", a rep's overdue list and deals without a next step,
// the activities of the deal page with their form, the dashboard's card of
// tasks due, and the activities-per-deal KPI of the forecast. They join the
// web UI's strings at start; a key used twice stops the program at once.
var tasksWebCatalogue = map[string]entry{
	// My tasks.
	"tasks.title":         {"My tasks", "我的待辦", "我的待办"},
	"tasks.intro":         {"Your open tasks, calls and meetings, soonest first.", "您尚未完成的任務、電話與會議，依期限先後排列。", "您尚未完成的任务、电话和会议，按截止时间先后排列。"},
	"tasks.overdue":       {"Overdue", "已逾期", "已逾期"},
	"tasks.today":         {"Due today", "今天到期", "今天到期"},
	"tasks.upcoming":      {"Later, or no due time", "之後或未設期限", "以后或未设截止时间"},
	"tasks.none_overdue":  {"Nothing overdue.", "沒有逾期的待辦。", "没有逾期的待办。"},
	"tasks.none_today":    {"Nothing due today.", "今天沒有到期的待辦。", "今天没有到期的待办。"},
	"tasks.none_upcoming": {"Nothing planned later.", "之後沒有其他安排。", "之后没有其他安排。"},
	"tasks.empty":         {"You have no open tasks, calls or meetings.", "您目前沒有未完成的任務、電話或會議。", "您目前没有未完成的任务、电话或会议。"},
	"tasks.empty_hint":    {"Plan one on a deal's page: it appears here until you mark it done.", "可在商機頁面新增待辦，完成前都會列在這裡。", "可在商机页面新增待办，完成前都会列在这里。"},
	"tasks.due":           {"Due", "期限", "截止"},
	"tasks.no_due":        {"No due time", "未設期限", "未设截止时间"},
	"tasks.done":          {"Mark done", "標記完成", "标记完成"},
	"tasks.completed":     {"“{subject}” is done.", "「{subject}」已完成。", "“{subject}”已完成。"},
	"tasks.completed_at":  {"Done", "已完成", "已完成"},
	"tasks.more":          {"Show more", "顯示更多", "显示更多"},
	"tasks.assigned_to":   {"Assigned to {name}", "負責人：{name}", "负责人：{name}"},
	"tasks.by":            {"Logged by {name}", "由 {name} 記錄", "由 {name} 记录"},
	"tasks.untitled":      {"(no subject)", "（無主旨）", "（无主题）"},

	// The record an activity is on, and its type. A record is named only
	// to those who may read it; the others see its kind alone.
	"tasks.on_record":      {"On: {record}", "所屬：{record}", "所属：{record}"},
	"tasks.record_named":   {"{kind}: {name}", "{kind}「{name}」", "{kind}“{name}”"},
	"tasks.record.contact": {"Customer", "客戶", "客户"},
	"tasks.record.company": {"Company", "公司", "公司"},
	"tasks.record.deal":    {"Deal", "商機", "商机"},
	"tasks.record.lead":    {"Lead", "潛在客戶", "线索"},
	"tasks.type.task":      {"Task", "任務", "任务"},
	"tasks.type.call":      {"Call", "電話", "电话"},
	"tasks.type.meeting":   {"Meeting", "會議", "会议"},
	"tasks.type.note":      {"Note", "備註", "备注"},

	// A rep's lists, for managers.
	"tasks.team":            {"Your reps", "團隊成員", "团队成员"},
	"tasks.team_intro":      {"See a rep's overdue work and the open deals they have planned nothing on.", "查看業務人員的逾期待辦，以及尚未安排下一步的進行中商機。", "查看销售人员的逾期待办，以及尚未安排下一步的进行中商机。"},
	"tasks.rep":             {"Rep", "業務人員", "销售人员"},
	"tasks.pick_rep":        {"Choose a rep", "請選擇業務人員", "请选择销售人员"},
	"tasks.show":            {"Show", "顯示", "显示"},
	"tasks.rep_overdue":     {"Overdue for {name}", "{name}的逾期待辦", "{name}的逾期待办"},
	"tasks.rep_none":        {"{name} has nothing overdue.", "{name}沒有逾期的待辦。", "{name}没有逾期的待办。"},
	"tasks.no_step":         {"Open deals without a next step", "未安排下一步的進行中商機", "未安排下一步的进行中商机"},
	"tasks.rep_no_step":     {"{name}'s open deals without a next step", "{name}未安排下一步的進行中商機", "{name}未安排下一步的进行中商机"},
	"tasks.no_step_hint":    {"No open task, call or meeting is planned on these deals.", "這些商機沒有任何尚未完成的任務、電話或會議。", "这些商机没有任何尚未完成的任务、电话或会议。"},
	"tasks.no_step_none":    {"Every open deal has a next step planned.", "每筆進行中商機都已安排下一步。", "每个进行中商机都已安排下一步。"},
	"tasks.last_activity":   {"Last activity", "最近活動", "最近活动"},
	"tasks.never":           {"none yet", "尚無", "暂无"},
	"tasks.deal_amount":     {"Amount", "金額", "金额"},
	"tasks.deal_close":      {"Expected close", "預計成交日", "预计成交日"},
	"tasks.deal_name":       {"Deal", "商機", "商机"},
	"tasks.unknown_rep":     {"User #{id}", "使用者 #{id}", "用户 #{id}"},
	"tasks.rep_not_visible": {"You cannot see this rep's work.", "您無權查看此業務人員的工作。", "您无权查看此销售人员的工作。"},

	// The deal page's activities.
	"tasks.deal_title":    {"Activities", "活動紀錄", "活动记录"},
	"tasks.none_on_deal":  {"No activities on this deal yet.", "這筆商機尚無活動紀錄。", "这个商机暂无活动记录。"},
	"tasks.log_title":     {"Log or plan an activity", "記錄或安排活動", "记录或安排活动"},
	"tasks.type":          {"Type", "類型", "类型"},
	"tasks.subject":       {"Subject", "主旨", "主题"},
	"tasks.subject_hint":  {"Required, but for notes.", "備註以外皆為必填。", "除备注外均为必填。"},
	"tasks.body":          {"Details", "內容", "内容"},
	"tasks.body_hint":     {"Write @ and a colleague's name or email to notify them. Required for notes.", "輸入 @ 加上同事的姓名或電子郵件即可通知對方。備註必填。", "输入 @ 加同事的姓名或邮箱即可通知对方。备注必填。"},
	"tasks.due_at":        {"Due", "期限", "截止时间"},
	"tasks.remind_at":     {"Reminder", "提醒時間", "提醒时间"},
	"tasks.time_hint":     {"Due time and reminder are optional, and not for notes.", "期限與提醒時間為選填，備註不適用。", "截止时间和提醒时间为选填，备注不适用。"},
	"tasks.time_zone":     {"Time zone: ", "時區：", "时区："},
	"tasks.assignee":      {"Assignee", "負責人", "负责人"},
	"tasks.assignee_me":   {"Me", "我自己", "我自己"},
	"tasks.assignee_hint": {"Optional; not for notes. Someone who may see this deal.", "選填，備註不適用。須為可查看此商機的人。", "选填，备注不适用。须为可查看此商机的人。"},
	"tasks.log":           {"Save", "儲存", "保存"},
	"tasks.logged":        {"Saved: {subject}", "已儲存：{subject}", "已保存：{subject}"},
	"tasks.fix":           {"The activity was not saved: check the fields marked below.", "活動未儲存，請檢查下方標示的欄位。", "活动未保存，请检查下方标出的字段。"},
	"tasks.bad_time":      {"Enter a date and time.", "請輸入日期與時間。", "请输入日期和时间。"},
	"tasks.mentioned":     {"Mentioned: {names}", "已通知：{names}", "已通知：{names}"},
	"tasks.outcome":       {"Outcome", "結果", "结果"},

	// The dashboard's card.
	"tasks.card_overdue": {"{n} overdue", "{n} 項逾期", "{n} 项逾期"},
	"tasks.card_today":   {"{n} due today", "今天到期 {n} 項", "今天到期 {n} 项"},
	"tasks.card_none":    {"Nothing overdue or due today.", "沒有逾期或今天到期的待辦。", "没有逾期或今天到期的待办。"},
	"tasks.card_open":    {"Open my tasks", "查看我的待辦", "查看我的待办"},

	// The forecast's KPI.
	"tasks.kpi_per_deal":      {"Activities per deal", "每筆商機活動數", "每个商机活动数"},
	"tasks.kpi_per_deal_hint": {"{activities} activities; deals closed: {deals}", "活動 {activities} 項；結案商機 {deals} 筆", "活动 {activities} 项；已结束商机 {deals} 个"},
}

func init() { joinWebCatalogue("the task screens", tasksWebCatalogue) }
