package demo

// The place tables: cities with their districts, postal codes and streets,
// and how telephone numbers look there. Weights skew towards where people
// and companies actually are: Greater Taipei, Shanghai, Beijing, Shenzhen.

// place is a city.
type place struct {
	city, region, country string
	weight                int
	districts             []district
	// landline: trunk-prefixed area code ("02", "021"), the length of the
	// local number and the digits it may start with.
	area       string
	localLen   int
	localFirst string
	// prefix is how the city starts a company name ("上海" for 上海华东贸易
	// 有限公司, "台北" for 台北宏昌電子); "" when names do not use it.
	prefix, prefixRom string
}

// district is a part of a city with its postal code and some of its streets.
type district struct {
	name, postal string
	streets      []string
}

var twPlaces = []place{
	{city: "台北市", country: "TW", weight: 30, area: "02", localLen: 8, localFirst: "2378", prefix: "台北", prefixRom: "taipei",
		districts: []district{
			{"信義區", "110", []string{"信義路五段", "松仁路", "松高路", "忠孝東路五段", "基隆路一段"}},
			{"大安區", "106", []string{"敦化南路二段", "復興南路一段", "仁愛路四段", "忠孝東路四段", "和平東路二段"}},
			{"中山區", "104", []string{"南京東路二段", "中山北路二段", "民生東路三段", "松江路", "建國北路二段"}},
			{"松山區", "105", []string{"南京東路五段", "民生東路四段", "八德路四段", "敦化北路", "光復北路"}},
			{"內湖區", "114", []string{"瑞光路", "內湖路一段", "堤頂大道二段", "陽光街", "行愛路"}},
			{"中正區", "100", []string{"重慶南路一段", "羅斯福路一段", "館前路", "忠孝西路一段"}},
			{"士林區", "111", []string{"中山北路六段", "天母東路", "文林路"}},
			{"南港區", "115", []string{"三重路", "經貿二路", "園區街"}},
		}},
	{city: "新北市", country: "TW", weight: 22, area: "02", localLen: 8, localFirst: "2289",
		districts: []district{
			{"板橋區", "220", []string{"文化路一段", "縣民大道二段", "中山路一段", "民生路二段"}},
			{"新莊區", "242", []string{"中正路", "思源路", "新北大道四段"}},
			{"中和區", "235", []string{"中正路", "景平路", "連城路"}},
			{"永和區", "234", []string{"永和路二段", "中山路一段", "竹林路"}},
			{"三重區", "241", []string{"重新路四段", "正義北路", "集美街"}},
			{"新店區", "231", []string{"北新路三段", "民權路", "中興路三段"}},
			{"汐止區", "221", []string{"新台五路一段", "大同路二段"}},
			{"淡水區", "251", []string{"中正路", "中山北路二段"}},
		}},
	{city: "台中市", country: "TW", weight: 13, area: "04", localLen: 8, localFirst: "2", prefix: "台中", prefixRom: "taichung",
		districts: []district{
			{"西屯區", "407", []string{"台灣大道三段", "市政北二路", "工業區一路", "文心路三段"}},
			{"北屯區", "406", []string{"崇德路二段", "文心路四段", "進化北路"}},
			{"南屯區", "408", []string{"公益路二段", "五權西路二段", "向上路二段"}},
			{"西區", "403", []string{"美村路一段", "五權路", "民權路"}},
			{"北區", "404", []string{"三民路三段", "學士路", "健行路"}},
		}},
	{city: "高雄市", country: "TW", weight: 11, area: "07", localLen: 7, localFirst: "2345678", prefix: "高雄", prefixRom: "kaohsiung",
		districts: []district{
			{"苓雅區", "802", []string{"四維三路", "中正一路", "光華一路"}},
			{"前鎮區", "806", []string{"成功二路", "中山二路", "復興四路"}},
			{"左營區", "813", []string{"博愛二路", "明誠二路", "自由二路"}},
			{"三民區", "807", []string{"建國二路", "民族一路", "九如一路"}},
			{"鼓山區", "804", []string{"美術東二路", "明華路", "中華一路"}},
			{"新興區", "800", []string{"中山一路", "七賢一路", "民生一路"}},
		}},
	{city: "桃園市", country: "TW", weight: 9, area: "03", localLen: 7, localFirst: "34", prefix: "桃園", prefixRom: "taoyuan",
		districts: []district{
			{"桃園區", "330", []string{"中正路", "復興路", "大興西路二段"}},
			{"中壢區", "320", []string{"中華路二段", "環北路", "中央西路二段"}},
			{"龜山區", "333", []string{"文化一路", "復興一路", "華亞二路"}},
		}},
	{city: "台南市", country: "TW", weight: 6, area: "06", localLen: 7, localFirst: "223", prefix: "台南", prefixRom: "tainan",
		districts: []district{
			{"東區", "701", []string{"林森路一段", "崇學路", "東門路二段"}},
			{"永康區", "710", []string{"中華路", "中正南路", "大灣路"}},
			{"安平區", "708", []string{"永華路二段", "健康路三段"}},
		}},
	{city: "新竹市", country: "TW", weight: 4, area: "03", localLen: 7, localFirst: "5", prefix: "新竹", prefixRom: "hsinchu",
		districts: []district{
			{"東區", "300", []string{"光復路二段", "科學園路", "力行二路", "園區二路"}},
			{"北區", "300", []string{"中正路", "經國路一段"}},
		}},
	{city: "竹北市", region: "新竹縣", country: "TW", weight: 2, area: "03", localLen: 7, localFirst: "5",
		districts: []district{{"", "302", []string{"光明六路", "縣政二路", "莊敬北路"}}}},
	{city: "彰化市", region: "彰化縣", country: "TW", weight: 2, area: "04", localLen: 7, localFirst: "7",
		districts: []district{{"", "500", []string{"中山路二段", "中正路一段", "民族路"}}}},
	{city: "基隆市", country: "TW", weight: 1, area: "02", localLen: 8, localFirst: "24",
		districts: []district{{"仁愛區", "200", []string{"愛一路", "仁二路"}}, {"中正區", "202", []string{"中正路", "義一路"}}}},
}

var cnPlaces = []place{
	{city: "上海市", country: "CN", weight: 35, area: "021", localLen: 8, localFirst: "56", prefix: "上海", prefixRom: "shanghai",
		districts: []district{
			{"浦东新区", "200120", []string{"世纪大道", "陆家嘴环路", "张江路", "张杨路"}},
			{"黄浦区", "200001", []string{"南京东路", "淮海中路", "西藏中路"}},
			{"徐汇区", "200030", []string{"漕溪北路", "肇嘉浜路", "虹桥路"}},
			{"静安区", "200040", []string{"南京西路", "延安中路", "常德路"}},
			{"长宁区", "200050", []string{"娄山关路", "仙霞路", "天山路"}},
			{"闵行区", "201100", []string{"莘庄工业区申富路", "沪闵路", "七莘路"}},
		}},
	{city: "北京市", country: "CN", weight: 25, area: "010", localLen: 8, localFirst: "568", prefix: "北京", prefixRom: "beijing",
		districts: []district{
			{"朝阳区", "100020", []string{"建国路", "东三环中路", "朝阳门外大街", "望京街"}},
			{"海淀区", "100080", []string{"中关村大街", "知春路", "学院路", "上地十街"}},
			{"东城区", "100010", []string{"王府井大街", "东直门南大街"}},
			{"西城区", "100032", []string{"金融大街", "西直门外大街"}},
		}},
	{city: "深圳市", region: "广东省", country: "CN", weight: 15, area: "0755", localLen: 8, localFirst: "28", prefix: "深圳", prefixRom: "shenzhen",
		districts: []district{
			{"南山区", "518057", []string{"深南大道", "科技园南区高新南一道", "后海大道"}},
			{"福田区", "518048", []string{"福华一路", "益田路", "深南中路"}},
			{"宝安区", "518101", []string{"宝安大道", "新湖路"}},
		}},
	{city: "广州市", region: "广东省", country: "CN", weight: 10, area: "020", localLen: 8, localFirst: "38", prefix: "广州", prefixRom: "guangzhou",
		districts: []district{
			{"天河区", "510620", []string{"天河路", "珠江新城花城大道", "体育西路"}},
			{"越秀区", "510030", []string{"环市东路", "中山五路"}},
		}},
	{city: "杭州市", region: "浙江省", country: "CN", weight: 8, area: "0571", localLen: 8, localFirst: "8", prefix: "杭州", prefixRom: "hangzhou",
		districts: []district{
			{"西湖区", "310012", []string{"文三路", "天目山路"}},
			{"滨江区", "310051", []string{"江南大道", "网商路"}},
		}},
	{city: "苏州市", region: "江苏省", country: "CN", weight: 7, area: "0512", localLen: 8, localFirst: "6", prefix: "苏州", prefixRom: "suzhou",
		districts: []district{
			{"工业园区", "215021", []string{"星湖街", "苏州大道东", "金鸡湖大道"}},
			{"昆山市", "215300", []string{"前进中路", "长江北路"}},
		}},
}

// enPlace is a city abroad: the way its addresses and numbers are written.
type enPlace struct {
	city, region, country string
	weight                int
	streets               []string
	postal                []string // postal codes, or outward codes (GB) to which an inward code is added
	// area codes whose fictional ranges (US 555-01xx, GB 01xx 496 0xxx and
	// 020 7946 0xxx, AU 5550 xxxx) the numbers are drawn from.
	areas []string
}

var enPlaces = []enPlace{
	{"San Francisco", "CA", "US", 9, []string{"Market Street", "Mission Street", "Howard Street", "Folsom Street", "Battery Street"}, []string{"94103", "94105", "94107", "94111"}, []string{"415", "628"}},
	{"New York", "NY", "US", 10, []string{"Broadway", "Madison Avenue", "Park Avenue South", "West 34th Street", "Hudson Street"}, []string{"10001", "10010", "10013", "10016"}, []string{"212", "646", "917", "718", "347", "929"}},
	{"Seattle", "WA", "US", 5, []string{"Pine Street", "1st Avenue", "Westlake Avenue N", "Denny Way"}, []string{"98101", "98104", "98109"}, []string{"206", "425", "253"}},
	{"Los Angeles", "CA", "US", 5, []string{"Wilshire Boulevard", "Sunset Boulevard", "Figueroa Street"}, []string{"90012", "90017", "90028"}, []string{"213", "310", "323", "424", "818"}},
	{"Boston", "MA", "US", 3, []string{"Boylston Street", "Summer Street", "Atlantic Avenue"}, []string{"02110", "02116", "02210"}, []string{"617", "857", "781"}},
	{"Austin", "TX", "US", 3, []string{"Congress Avenue", "Lamar Boulevard", "East 6th Street"}, []string{"78701", "78702", "78704"}, []string{"512", "737"}},
	{"Chicago", "IL", "US", 4, []string{"Michigan Avenue", "Wacker Drive", "LaSalle Street"}, []string{"60601", "60606", "60611"}, []string{"312", "773", "872", "630"}},
	{"London", "", "GB", 16, []string{"Old Street", "Shoreditch High Street", "Borough High Street", "Canary Wharf", "Baker Street", "King's Road"}, []string{"EC1V", "EC2A", "SE1", "E14", "W1U", "SW3"}, []string{"020 7946"}},
	{"Manchester", "", "GB", 4, []string{"Deansgate", "Oxford Road", "Portland Street"}, []string{"M1", "M2", "M3"}, []string{"0161 496"}},
	{"Edinburgh", "", "GB", 2, []string{"George Street", "Leith Walk", "Princes Street"}, []string{"EH1", "EH2", "EH6"}, []string{"0131 496"}},
	{"Bristol", "", "GB", 2, []string{"Temple Way", "Corn Street", "Whiteladies Road"}, []string{"BS1", "BS8"}, []string{"0117 496"}},
	{"Birmingham", "", "GB", 2, []string{"Colmore Row", "Broad Street", "New Street"}, []string{"B1", "B2", "B3"}, []string{"0121 496"}},
	{"Sydney", "NSW", "AU", 5, []string{"George Street", "Pitt Street", "Kent Street", "Harris Street"}, []string{"2000", "2009", "2060"}, []string{"02 5550", "02 7010"}},
	{"Melbourne", "VIC", "AU", 4, []string{"Collins Street", "Flinders Lane", "Swanston Street"}, []string{"3000", "3006"}, []string{"03 5550"}},
	{"Brisbane", "QLD", "AU", 1, []string{"Eagle Street", "Queen Street"}, []string{"4000"}, []string{"07 5550"}},
	{"Singapore", "", "SG", 9, []string{"Raffles Place", "Marina Boulevard", "Shenton Way", "Orchard Road", "Robinson Road"}, []string{"048616", "018956", "068805", "238877", "068902"}, nil},
	{"Toronto", "ON", "CA", 3, []string{"King Street West", "Bay Street", "Queen Street East"}, []string{"M5V 2T6", "M5J 2N8", "M5H 3T4"}, []string{"416", "647"}},
	{"Vancouver", "BC", "CA", 2, []string{"West Georgia Street", "Burrard Street", "Granville Street"}, []string{"V6B 1A1", "V6C 3E8", "V6E 4A2"}, []string{"604", "778"}},
}

// usMobileAreas are more North American area codes: people keep their
// mobile numbers when they move, so a New Yorker may have a 503 number.
// Each gives the 100 fictional numbers 555-0100 to 555-0199.
var usMobileAreas = []string{
	"201", "202", "203", "205", "207", "208", "210", "214", "215", "216", "224", "225", "234", "240", "248", "267",
	"269", "281", "301", "302", "303", "304", "305", "307", "313", "314", "315", "316", "317", "319", "320", "321",
	"330", "336", "339", "351", "352", "360", "385", "386", "401", "402", "404", "405", "406", "407", "408", "410",
	"412", "413", "414", "417", "419", "423", "434", "435", "440", "443", "458", "469", "470", "475", "478", "479",
	"480", "484", "501", "502", "503", "504", "505", "508", "509", "510", "513", "515", "516", "517", "518", "520",
	"530", "540", "541", "551", "559", "561", "562", "563", "570", "571", "573", "580", "585", "586", "602", "603",
	"605", "606", "607", "608", "609", "610", "612", "614", "615", "616", "619", "620", "623", "626", "631", "636",
	"646", "650", "651", "657", "660", "661", "662", "667", "669", "678", "682", "701", "702", "703", "704", "706",
	"707", "708", "712", "713", "714", "715", "716", "717", "718", "719", "720", "724", "727", "731", "732", "734",
}
