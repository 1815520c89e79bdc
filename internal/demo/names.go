package demo

import "github.com/guanxi-crm/guanxi/internal/customer"

// The name tables. Surnames carry rough frequencies (per mille) from the
// household registers of Taiwan and the mainland census; romanisations are
// the ones people use in their email addresses: Wade–Giles as on Taiwanese
// passports (陳 Chen, 張 Chang, 蔡 Tsai), pinyin on the mainland.

// surname is a family name with its romanisation and weight.
type surname struct {
	han, rom string
	weight   int
}

// given is a given name with its romanisation and usual gender.
type given struct {
	han, rom string
	gender   customer.Gender
}

var twSurnames = []surname{
	{"陳", "Chen", 111}, {"林", "Lin", 83}, {"黃", "Huang", 60}, {"張", "Chang", 53}, {"李", "Lee", 51},
	{"王", "Wang", 41}, {"吳", "Wu", 40}, {"劉", "Liu", 32}, {"蔡", "Tsai", 29}, {"楊", "Yang", 27},
	{"許", "Hsu", 23}, {"鄭", "Cheng", 19}, {"謝", "Hsieh", 19}, {"郭", "Kuo", 17}, {"洪", "Hung", 15},
	{"邱", "Chiu", 14}, {"曾", "Tseng", 14}, {"廖", "Liao", 13}, {"賴", "Lai", 13}, {"徐", "Hsu", 13},
	{"周", "Chou", 12}, {"葉", "Yeh", 12}, {"蘇", "Su", 12}, {"莊", "Chuang", 9}, {"呂", "Lu", 9},
	{"江", "Chiang", 9}, {"何", "Ho", 8}, {"蕭", "Hsiao", 8}, {"羅", "Lo", 8}, {"高", "Kao", 8},
	{"潘", "Pan", 6}, {"簡", "Chien", 6}, {"朱", "Chu", 6}, {"鍾", "Chung", 6}, {"彭", "Peng", 6},
	{"游", "Yu", 6}, {"詹", "Chan", 6}, {"胡", "Hu", 5}, {"施", "Shih", 5}, {"沈", "Shen", 5},
}

var twGiven2 = []given{
	{"冠宇", "Kuan-Yu", customer.GenderMale}, {"家豪", "Chia-Hao", customer.GenderMale}, {"承翰", "Cheng-Han", customer.GenderMale},
	{"宗翰", "Tsung-Han", customer.GenderMale}, {"彥廷", "Yen-Ting", customer.GenderMale}, {"柏翰", "Po-Han", customer.GenderMale},
	{"俊傑", "Chun-Chieh", customer.GenderMale}, {"志明", "Chih-Ming", customer.GenderMale}, {"建宏", "Chien-Hung", customer.GenderMale},
	{"志偉", "Chih-Wei", customer.GenderMale}, {"文雄", "Wen-Hsiung", customer.GenderMale}, {"明輝", "Ming-Hui", customer.GenderMale},
	{"宇軒", "Yu-Hsuan", customer.GenderMale}, {"冠廷", "Kuan-Ting", customer.GenderMale}, {"哲瑋", "Che-Wei", customer.GenderMale},
	{"育成", "Yu-Cheng", customer.GenderMale}, {"信宏", "Hsin-Hung", customer.GenderMale}, {"國華", "Kuo-Hua", customer.GenderMale},
	{"俊宏", "Chun-Hung", customer.GenderMale}, {"家銘", "Chia-Ming", customer.GenderMale}, {"子豪", "Tzu-Hao", customer.GenderMale},
	{"柏宇", "Po-Yu", customer.GenderMale}, {"承恩", "Cheng-En", customer.GenderMale}, {"品睿", "Pin-Jui", customer.GenderMale},
	{"勝雄", "Sheng-Hsiung", customer.GenderMale}, {"榮輝", "Jung-Hui", customer.GenderMale}, {"耀文", "Yao-Wen", customer.GenderMale},
	{"啟明", "Chi-Ming", customer.GenderMale}, {"正雄", "Cheng-Hsiung", customer.GenderMale}, {"威廷", "Wei-Ting", customer.GenderMale},
	{"雅婷", "Ya-Ting", customer.GenderFemale}, {"怡君", "Yi-Chun", customer.GenderFemale}, {"詩涵", "Shih-Han", customer.GenderFemale},
	{"欣怡", "Hsin-Yi", customer.GenderFemale}, {"佳穎", "Chia-Ying", customer.GenderFemale}, {"淑芬", "Shu-Fen", customer.GenderFemale},
	{"美玲", "Mei-Ling", customer.GenderFemale}, {"雅雯", "Ya-Wen", customer.GenderFemale}, {"宜蓁", "Yi-Chen", customer.GenderFemale},
	{"思妤", "Szu-Yu", customer.GenderFemale}, {"靜怡", "Ching-Yi", customer.GenderFemale}, {"惠如", "Hui-Ju", customer.GenderFemale},
	{"佩珊", "Pei-Shan", customer.GenderFemale}, {"婉婷", "Wan-Ting", customer.GenderFemale}, {"家瑜", "Chia-Yu", customer.GenderFemale},
	{"郁婷", "Yu-Ting", customer.GenderFemale}, {"筱涵", "Hsiao-Han", customer.GenderFemale}, {"心怡", "Hsin-Yi", customer.GenderFemale},
	{"玉珍", "Yu-Chen", customer.GenderFemale}, {"秀英", "Hsiu-Ying", customer.GenderFemale}, {"麗華", "Li-Hua", customer.GenderFemale},
	{"淑惠", "Shu-Hui", customer.GenderFemale}, {"品妍", "Pin-Yen", customer.GenderFemale}, {"語彤", "Yu-Tung", customer.GenderFemale},
	{"子晴", "Tzu-Ching", customer.GenderFemale}, {"宜庭", "Yi-Ting", customer.GenderFemale}, {"曉雯", "Hsiao-Wen", customer.GenderFemale},
	{"美惠", "Mei-Hui", customer.GenderFemale}, {"瑞芬", "Jui-Fen", customer.GenderFemale}, {"怡萱", "Yi-Hsuan", customer.GenderFemale},
}

var twGiven1 = []given{
	{"偉", "Wei", customer.GenderMale}, {"傑", "Chieh", customer.GenderMale}, {"豪", "Hao", customer.GenderMale},
	{"明", "Ming", customer.GenderMale}, {"宏", "Hung", customer.GenderMale}, {"強", "Chiang", customer.GenderMale},
	{"翔", "Hsiang", customer.GenderMale}, {"婷", "Ting", customer.GenderFemale}, {"芳", "Fang", customer.GenderFemale},
	{"玲", "Ling", customer.GenderFemale}, {"靜", "Ching", customer.GenderFemale}, {"萱", "Hsuan", customer.GenderFemale},
	{"慧", "Hui", customer.GenderFemale}, {"瑩", "Ying", customer.GenderFemale},
}

// twEnglishNames are the English names many Taiwanese use at work and in
// their email addresses.
var twEnglishNames = map[customer.Gender][]string{
	customer.GenderMale:   {"Kevin", "Jason", "Eric", "Allen", "Jerry", "Vincent", "Ken", "Andy", "Tony", "Jack", "Ryan", "Steven", "Sam", "Leo", "Frank"},
	customer.GenderFemale: {"Amy", "Vivian", "Grace", "Cindy", "Tina", "Joanne", "Irene", "Peggy", "Winnie", "Iris", "Sandy", "Claire", "Judy", "Annie", "Ivy"},
}

var cnSurnames = []surname{
	{"王", "Wang", 71}, {"李", "Li", 70}, {"张", "Zhang", 67}, {"刘", "Liu", 54}, {"陈", "Chen", 45},
	{"杨", "Yang", 31}, {"赵", "Zhao", 23}, {"黄", "Huang", 22}, {"周", "Zhou", 21}, {"吴", "Wu", 20},
	{"徐", "Xu", 17}, {"孙", "Sun", 15}, {"胡", "Hu", 13}, {"朱", "Zhu", 13}, {"高", "Gao", 12},
	{"林", "Lin", 12}, {"何", "He", 12}, {"郭", "Guo", 11}, {"马", "Ma", 11}, {"罗", "Luo", 9},
	{"梁", "Liang", 9}, {"宋", "Song", 8}, {"郑", "Zheng", 8}, {"谢", "Xie", 7}, {"韩", "Han", 7},
	{"唐", "Tang", 6}, {"冯", "Feng", 6}, {"于", "Yu", 6}, {"董", "Dong", 5}, {"肖", "Xiao", 5},
	{"程", "Cheng", 5}, {"曹", "Cao", 5}, {"袁", "Yuan", 5}, {"邓", "Deng", 5}, {"许", "Xu", 5},
	{"沈", "Shen", 4}, {"曾", "Zeng", 4}, {"彭", "Peng", 4}, {"吕", "Lyu", 4}, {"苏", "Su", 4},
}

var cnGiven = []given{
	{"伟", "Wei", customer.GenderMale}, {"强", "Qiang", customer.GenderMale}, {"磊", "Lei", customer.GenderMale},
	{"军", "Jun", customer.GenderMale}, {"洋", "Yang", customer.GenderMale}, {"勇", "Yong", customer.GenderMale},
	{"杰", "Jie", customer.GenderMale}, {"涛", "Tao", customer.GenderMale}, {"明", "Ming", customer.GenderMale},
	{"超", "Chao", customer.GenderMale}, {"建国", "Jianguo", customer.GenderMale}, {"晓明", "Xiaoming", customer.GenderMale},
	{"浩然", "Haoran", customer.GenderMale}, {"宇轩", "Yuxuan", customer.GenderMale}, {"思远", "Siyuan", customer.GenderMale},
	{"志强", "Zhiqiang", customer.GenderMale}, {"文博", "Wenbo", customer.GenderMale}, {"俊杰", "Junjie", customer.GenderMale},
	{"子轩", "Zixuan", customer.GenderMale}, {"建华", "Jianhua", customer.GenderMale}, {"海涛", "Haitao", customer.GenderMale},
	{"国栋", "Guodong", customer.GenderMale}, {"鹏飞", "Pengfei", customer.GenderMale}, {"天宇", "Tianyu", customer.GenderMale},
	{"博文", "Bowen", customer.GenderMale}, {"芳", "Fang", customer.GenderFemale}, {"娜", "Na", customer.GenderFemale},
	{"敏", "Min", customer.GenderFemale}, {"静", "Jing", customer.GenderFemale}, {"丽", "Li", customer.GenderFemale},
	{"艳", "Yan", customer.GenderFemale}, {"秀英", "Xiuying", customer.GenderFemale}, {"欣怡", "Xinyi", customer.GenderFemale},
	{"梓萱", "Zixuan", customer.GenderFemale}, {"一诺", "Yinuo", customer.GenderFemale}, {"佳怡", "Jiayi", customer.GenderFemale},
	{"海燕", "Haiyan", customer.GenderFemale}, {"丽娟", "Lijuan", customer.GenderFemale}, {"雨涵", "Yuhan", customer.GenderFemale},
	{"晓燕", "Xiaoyan", customer.GenderFemale}, {"婷婷", "Tingting", customer.GenderFemale}, {"雪梅", "Xuemei", customer.GenderFemale},
	{"慧敏", "Huimin", customer.GenderFemale}, {"诗琪", "Shiqi", customer.GenderFemale}, {"思彤", "Sitong", customer.GenderFemale},
	{"玉兰", "Yulan", customer.GenderFemale}, {"春梅", "Chunmei", customer.GenderFemale},
}

var enGiven = []given{
	{"James", "James", customer.GenderMale}, {"John", "John", customer.GenderMale}, {"Michael", "Michael", customer.GenderMale},
	{"David", "David", customer.GenderMale}, {"Robert", "Robert", customer.GenderMale}, {"William", "William", customer.GenderMale},
	{"Thomas", "Thomas", customer.GenderMale}, {"Daniel", "Daniel", customer.GenderMale}, {"Matthew", "Matthew", customer.GenderMale},
	{"Christopher", "Christopher", customer.GenderMale}, {"Andrew", "Andrew", customer.GenderMale}, {"Richard", "Richard", customer.GenderMale},
	{"Mark", "Mark", customer.GenderMale}, {"Paul", "Paul", customer.GenderMale}, {"Steven", "Steven", customer.GenderMale},
	{"Oliver", "Oliver", customer.GenderMale}, {"Harry", "Harry", customer.GenderMale}, {"George", "George", customer.GenderMale},
	{"Jack", "Jack", customer.GenderMale}, {"Samuel", "Samuel", customer.GenderMale}, {"Benjamin", "Benjamin", customer.GenderMale},
	{"Ethan", "Ethan", customer.GenderMale}, {"Lucas", "Lucas", customer.GenderMale}, {"Nathan", "Nathan", customer.GenderMale},
	{"Philip", "Philip", customer.GenderMale}, {"Jon", "Jon", customer.GenderMale},
	{"Mary", "Mary", customer.GenderFemale}, {"Jennifer", "Jennifer", customer.GenderFemale}, {"Sarah", "Sarah", customer.GenderFemale},
	{"Emily", "Emily", customer.GenderFemale}, {"Emma", "Emma", customer.GenderFemale}, {"Olivia", "Olivia", customer.GenderFemale},
	{"Jessica", "Jessica", customer.GenderFemale}, {"Laura", "Laura", customer.GenderFemale}, {"Rachel", "Rachel", customer.GenderFemale},
	{"Sophie", "Sophie", customer.GenderFemale}, {"Charlotte", "Charlotte", customer.GenderFemale}, {"Hannah", "Hannah", customer.GenderFemale},
	{"Amelia", "Amelia", customer.GenderFemale}, {"Grace", "Grace", customer.GenderFemale}, {"Rebecca", "Rebecca", customer.GenderFemale},
	{"Katherine", "Katherine", customer.GenderFemale}, {"Lucy", "Lucy", customer.GenderFemale}, {"Chloe", "Chloe", customer.GenderFemale},
	{"Megan", "Megan", customer.GenderFemale}, {"Elizabeth", "Elizabeth", customer.GenderFemale}, {"Anna", "Anna", customer.GenderFemale},
	{"Natalie", "Natalie", customer.GenderFemale}, {"Victoria", "Victoria", customer.GenderFemale}, {"Claire", "Claire", customer.GenderFemale},
}

var enSurnames = []surname{
	{"Smith", "Smith", 30}, {"Johnson", "Johnson", 20}, {"Williams", "Williams", 18}, {"Brown", "Brown", 18}, {"Jones", "Jones", 17},
	{"Miller", "Miller", 12}, {"Davis", "Davis", 12}, {"Garcia", "Garcia", 10}, {"Wilson", "Wilson", 12}, {"Taylor", "Taylor", 14},
	{"Anderson", "Anderson", 8}, {"Thomas", "Thomas", 8}, {"Moore", "Moore", 8}, {"Martin", "Martin", 8}, {"Jackson", "Jackson", 8},
	{"Thompson", "Thompson", 8}, {"White", "White", 8}, {"Harris", "Harris", 7}, {"Clark", "Clark", 7}, {"Lewis", "Lewis", 7},
	{"Robinson", "Robinson", 7}, {"Walker", "Walker", 7}, {"Young", "Young", 6}, {"Allen", "Allen", 6}, {"King", "King", 6},
	{"Wright", "Wright", 6}, {"Scott", "Scott", 5}, {"Green", "Green", 6}, {"Baker", "Baker", 5}, {"Adams", "Adams", 5},
	{"Hughes", "Hughes", 5}, {"Evans", "Evans", 6}, {"Davies", "Davies", 6}, {"Roberts", "Roberts", 6}, {"Edwards", "Edwards", 5},
	{"Wood", "Wood", 5}, {"Hall", "Hall", 5}, {"Turner", "Turner", 4}, {"Cooper", "Cooper", 4}, {"Ward", "Ward", 4},
	{"Patel", "Patel", 6}, {"Khan", "Khan", 4}, {"Nguyen", "Nguyen", 5}, {"Kim", "Kim", 4}, {"O'Brien", "OBrien", 3},
	{"Murphy", "Murphy", 5}, {"Kelly", "Kelly", 4}, {"Campbell", "Campbell", 4}, {"MacDonald", "MacDonald", 3}, {"Tan", "Tan", 4},
	{"Lim", "Lim", 3}, {"Ng", "Ng", 2}, {"Wong", "Wong", 3},
}

// nearNames are spellings of the same name that a second, careless entry
// produces; the duplicates screen should pair them.
var nearNames = map[string]string{
	"John": "Jon", "Jon": "John", "Steven": "Stephen", "Katherine": "Catherine", "Sarah": "Sara",
	"Philip": "Phillip", "Matthew": "Mathew", "Rebecca": "Rebekah", "Natalie": "Nathalie", "Claire": "Clare",
	"Michael": "Micheal", "Thompson": "Thomson", "Davies": "Davis", "Smith": "Smyth", "MacDonald": "McDonald",
	"Clark": "Clarke", "Elizabeth": "Elisabeth", "Jennifer": "Jenifer", "Lewis": "Louis",
}

// Users of the demo: managers, agents and a viewer, at a reserved domain
// (RFC 2606) so that no mail can ever reach anyone.
const userDomain = "guanxi-demo.example"

// Teams of the demo, in Dataset.Teams order.
const (
	teamTaipei = iota
	teamShanghai
	teamKeyAccounts
)

var demoTeams = []string{"台北業務部", "Shanghai Sales", "Key Accounts"}

// demoUser is a row of the user table: who, role, language and teams.
type demoUser struct {
	name, handle, role, lang string
	teams                    []int
}

const (
	userYaTing = iota
	userJianguo
	userKuanYu
	userShihHan
	userChiaHao
	userWangLi
	userLiuYang
	userEmily
	userPeiShan
)

var demoUsers = []demoUser{
	userYaTing:  {"林雅婷", "yating.lin", "manager", "zh-Hant", []int{teamTaipei, teamKeyAccounts}},
	userJianguo: {"周建国", "jianguo.zhou", "manager", "zh-Hans", []int{teamShanghai}},
	userKuanYu:  {"陳冠宇", "kevin.chen", "agent", "zh-Hant", []int{teamTaipei}},
	userShihHan: {"黃詩涵", "vivian.huang", "agent", "zh-Hant", []int{teamTaipei}},
	userChiaHao: {"張家豪", "jason.chang", "agent", "zh-Hant", []int{teamTaipei, teamKeyAccounts}},
	userWangLi:  {"王丽", "li.wang", "agent", "zh-Hans", []int{teamShanghai}},
	userLiuYang: {"刘洋", "yang.liu", "agent", "zh-Hans", []int{teamShanghai}},
	userEmily:   {"Emily Carter", "emily.carter", "agent", "en", []int{teamKeyAccounts}},
	userPeiShan: {"吳佩珊", "peishan.wu", "viewer", "zh-Hant", nil},
}

// agentsOf lists, per culture, the agents who own its records, their manager
// and their team.
var agentsOf = map[Culture]struct {
	agents  []int
	manager int
	team    int
}{
	CultureTaiwan:   {[]int{userKuanYu, userShihHan, userChiaHao}, userYaTing, teamTaipei},
	CultureMainland: {[]int{userWangLi, userLiuYang}, userJianguo, teamShanghai},
	CultureEnglish:  {[]int{userEmily, userChiaHao}, userYaTing, teamKeyAccounts},
}
