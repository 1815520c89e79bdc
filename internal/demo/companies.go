package demo

// The company tables: the parts company names are built from, with the
// romanisation their web domains use, their industries, and the titles and
// departments of the people in a buying committee.

// syllable is a character of a brand name and its romanisation.
type syllable struct{ han, rom string }

// Characters Taiwanese brands are made of (宏昌, 聯華, 永豐); romanised as the
// companies themselves do, mostly Wade–Giles.
var twBrand = []syllable{
	{"宏", "hung"}, {"昌", "chang"}, {"華", "hua"}, {"新", "hsin"}, {"聯", "lien"}, {"泰", "tai"}, {"興", "hsing"},
	{"豐", "feng"}, {"達", "ta"}, {"源", "yuan"}, {"利", "li"}, {"大", "ta"}, {"永", "yung"}, {"金", "chin"},
	{"順", "shun"}, {"隆", "lung"}, {"成", "cheng"}, {"益", "yi"}, {"富", "fu"}, {"光", "kuang"}, {"瑞", "jui"},
	{"祥", "hsiang"}, {"東", "tung"}, {"信", "hsin"}, {"鼎", "ting"}, {"佳", "chia"}, {"和", "ho"}, {"欣", "hsin"},
	{"勝", "sheng"}, {"晶", "ching"}, {"群", "chun"}, {"盛", "sheng"},
}

// Whole brands that stand alone: 台灣精密機械, 中華電子.
var twWholeBrand = []syllable{{"台灣", "taiwan"}, {"中華", "chunghwa"}, {"亞洲", "asia"}, {"環球", "global"}, {"福爾摩沙", "formosa"}}

// core is what a company does: the word in its name, its web name, and its
// industry.
type core struct {
	han, rom, industry string
	// weight in the mix of companies
	weight int
}

var twCores = []core{
	{"精密機械", "precision", "精密機械", 8}, {"機械", "machinery", "機械設備", 6}, {"電子", "electronics", "電子零組件", 10},
	{"光電", "opto", "光電", 5}, {"半導體", "semi", "半導體", 4}, {"科技", "tech", "資訊科技", 10}, {"資訊", "info", "資訊服務", 6},
	{"生技", "biotech", "生技醫療", 4}, {"食品", "foods", "食品", 6}, {"紡織", "textile", "紡織", 3}, {"物流", "logistics", "物流", 4},
	{"國際貿易", "trading", "貿易", 7}, {"建設", "construction", "營建", 3}, {"塑膠", "plastics", "塑化", 3}, {"化學", "chem", "化工", 2},
	{"餐飲", "dining", "餐飲", 4}, {"醫療器材", "medical", "醫療器材", 3}, {"自動化", "automation", "工業自動化", 4},
	{"綠能", "greenenergy", "能源", 2}, {"文創", "creative", "文創設計", 2}, {"百貨", "retail", "零售", 3},
}

var cnBrand = []syllable{
	{"华", "hua"}, {"东", "dong"}, {"新", "xin"}, {"中", "zhong"}, {"联", "lian"}, {"泰", "tai"}, {"兴", "xing"},
	{"丰", "feng"}, {"达", "da"}, {"源", "yuan"}, {"利", "li"}, {"恒", "heng"}, {"永", "yong"}, {"金", "jin"},
	{"盛", "sheng"}, {"瑞", "rui"}, {"海", "hai"}, {"天", "tian"}, {"鼎", "ding"}, {"博", "bo"}, {"正", "zheng"},
	{"信", "xin"}, {"安", "an"}, {"宏", "hong"}, {"远", "yuan"}, {"通", "tong"}, {"创", "chuang"}, {"晨", "chen"},
	{"润", "run"}, {"南", "nan"}, {"嘉", "jia"}, {"宇", "yu"},
}

var cnCores = []core{
	{"贸易", "trade", "贸易", 10}, {"科技", "tech", "信息技术", 12}, {"电子", "electronics", "电子元器件", 8},
	{"机械", "machinery", "机械设备", 6}, {"物流", "logistics", "物流", 5}, {"医药", "pharma", "医药", 4},
	{"食品", "food", "食品饮料", 5}, {"软件", "soft", "软件", 7}, {"新材料", "materials", "新材料", 3},
	{"智能科技", "smart", "智能制造", 5}, {"网络科技", "net", "互联网", 5}, {"汽车零部件", "autoparts", "汽车零部件", 4},
	{"化工", "chem", "化工", 3}, {"环保科技", "envtech", "环保", 2}, {"供应链管理", "scm", "供应链", 3}, {"实业", "industrial", "综合", 3},
}

var enBrand = []string{
	"Northwind", "Blue Harbor", "Redwood", "Silver Lake", "Oakridge", "Pinecrest", "Summit", "Harbourview", "Kestrel",
	"Meridian", "Brightwater", "Ironbridge", "Falcon", "Evergreen", "Granite", "Bluebell", "Cedar", "Maple", "Sterling",
	"Westbrook", "Ashford", "Lakeside", "Riverside", "Highland", "Crescent", "Beacon", "Atlas", "Orchid", "Tidewater",
	"Copperfield", "Juniper", "Northgate", "Saltmarsh", "Foxglove", "Larkspur", "Windmill", "Harrow", "Elmstead",
}

var enCores = []core{
	{"Supplies", "supplies", "Wholesale", 8}, {"Logistics", "logistics", "Logistics", 6}, {"Systems", "systems", "Software", 8},
	{"Foods", "foods", "Food & Beverage", 5}, {"Analytics", "analytics", "Data & Analytics", 5}, {"Trading", "trading", "Trading", 6},
	{"Health", "health", "Healthcare", 5}, {"Partners", "partners", "Professional Services", 5}, {"Manufacturing", "mfg", "Manufacturing", 6},
	{"Software", "software", "Software", 7}, {"Electronics", "electronics", "Electronics", 6}, {"Consulting", "consulting", "Consulting", 5},
	{"Components", "components", "Industrial Components", 4}, {"Retail", "retail", "Retail", 4}, {"Labs", "labs", "Research", 3},
	{"Energy", "energy", "Energy", 3}, {"Robotics", "robotics", "Robotics", 3}, {"Packaging", "packaging", "Packaging", 3},
}

// enSuffix is the legal form of a company by country, and its web domain.
var enSuffix = map[string]struct{ forms, tlds []string }{
	"US": {[]string{"Inc.", "LLC", "Corp."}, []string{"com"}},
	"GB": {[]string{"Ltd", "Ltd", "plc"}, []string{"co.uk", "com"}},
	"AU": {[]string{"Pty Ltd"}, []string{"com.au"}},
	"SG": {[]string{"Pte. Ltd."}, []string{"com.sg", "sg"}},
	"CA": {[]string{"Inc.", "Ltd."}, []string{"ca", "com"}},
}

// Company size bands (customer.CompanySizes) with their weights, and the
// committee size each band usually shows a seller.
var sizeBands = []struct {
	size          string
	weight        int
	minCom, maxCo int
}{
	{"1-10", 12, 2, 2}, {"11-50", 28, 2, 4}, {"51-200", 26, 3, 6}, {"201-500", 15, 4, 7},
	{"501-1000", 9, 5, 8}, {"1001-5000", 7, 6, 9}, {"5001+", 3, 7, 10},
}

// seat lists the titles of a seat of a buying committee, each with its
// department.
type seat []struct{ title, department string }

type committeeTitles struct {
	decisionMaker, purchasing, gatekeeper, technical, finance, user seat
}

var titlesOf = map[Culture]committeeTitles{
	CultureTaiwan: {
		decisionMaker: seat{{"總經理", "總經理室"}, {"總經理", "總經理室"}, {"董事長", "董事長室"}, {"執行長", "總經理室"}, {"副總經理", "總經理室"}},
		purchasing:    seat{{"採購經理", "採購部"}, {"採購課長", "採購部"}, {"資材部經理", "資材部"}},
		gatekeeper:    seat{{"秘書", "總經理室"}, {"總經理特助", "總經理室"}, {"行政秘書", "管理部"}},
		technical:     seat{{"資訊部經理", "資訊部"}, {"研發處長", "研發處"}, {"技術長", "研發處"}, {"廠長", "生產部"}, {"品保經理", "品保部"}},
		finance:       seat{{"財務經理", "財務部"}, {"財務長", "財務部"}, {"會計主任", "會計部"}},
		user: seat{{"工程師", "研發處"}, {"資深工程師", "研發處"}, {"系統管理師", "資訊部"}, {"採購專員", "採購部"},
			{"生管專員", "生產部"}, {"行政專員", "管理部"}, {"產品經理", "產品部"}},
	},
	CultureMainland: {
		decisionMaker: seat{{"总经理", "总经办"}, {"总经理", "总经办"}, {"董事长", "董事会"}, {"首席执行官", "总经办"}, {"副总经理", "总经办"}},
		purchasing:    seat{{"采购经理", "采购部"}, {"采购主管", "采购部"}, {"供应链经理", "供应链部"}},
		gatekeeper:    seat{{"秘书", "总经办"}, {"总经理助理", "总经办"}, {"行政助理", "行政部"}},
		technical:     seat{{"技术总监", "技术部"}, {"研发经理", "研发中心"}, {"IT经理", "信息部"}, {"厂长", "生产部"}, {"质量经理", "质量部"}},
		finance:       seat{{"财务经理", "财务部"}, {"财务总监", "财务部"}, {"会计主管", "财务部"}},
		user: seat{{"工程师", "研发中心"}, {"高级工程师", "研发中心"}, {"IT专员", "信息部"}, {"采购专员", "采购部"},
			{"运营专员", "运营部"}, {"行政专员", "行政部"}, {"产品经理", "产品部"}},
	},
	CultureEnglish: {
		decisionMaker: seat{{"CEO", "Executive"}, {"Managing Director", "Executive"}, {"General Manager", "Executive"}, {"President", "Executive"}, {"COO", "Operations"}},
		purchasing:    seat{{"Purchasing Manager", "Purchasing"}, {"Procurement Lead", "Procurement"}, {"Head of Procurement", "Procurement"}},
		gatekeeper:    seat{{"Executive Assistant", "Executive Office"}, {"Office Manager", "Administration"}, {"Personal Assistant to the CEO", "Executive Office"}},
		technical:     seat{{"CTO", "Engineering"}, {"Head of IT", "IT"}, {"Engineering Manager", "Engineering"}, {"Operations Director", "Operations"}, {"VP Engineering", "Engineering"}},
		finance:       seat{{"CFO", "Finance"}, {"Finance Director", "Finance"}, {"Financial Controller", "Finance"}},
		user: seat{{"Software Engineer", "Engineering"}, {"Analyst", "Operations"}, {"Procurement Specialist", "Procurement"},
			{"Operations Coordinator", "Operations"}, {"IT Administrator", "IT"}, {"Product Manager", "Product"}},
	},
}

// The tag vocabulary, with colours.
var demoTags = []struct{ name, color string }{
	{"VIP", "#d4a017"}, {"素食", "#2e8b57"}, {"回頭客", "#1e90ff"}, {"newsletter", "#708090"}, {"展會名單", "#ff8c00"},
	{"推薦客戶", "#9370db"}, {"LINE好友", "#00b900"}, {"微信好友", "#07c160"}, {"生日禮", "#e75480"}, {"高潛力", "#c0392b"},
	{"Key Account", "#8b0000"}, {"經銷商", "#4682b4"}, {"供應商", "#556b2f"}, {"OEM", "#483d8b"},
}

// Custom field keys.
const (
	FieldMembershipTier  = "membership_tier"
	FieldAnnualBudget    = "annual_budget"
	FieldFirstPurchaseOn = "first_purchase_on"
	FieldPaymentTerms    = "payment_terms"
)

// Membership tiers, lowest first.
var membershipTiers = []string{"standard", "silver", "gold", "platinum"}

// Payment terms of companies.
var paymentTerms = []string{"net30", "net60", "cod", "prepaid"}
