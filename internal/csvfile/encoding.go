// Package csvfile reads the CSV files that shop owners really have — saved by
// Excel in Big5 or GBK, as "Unicode text" in UTF-16, in UTF-8 with or without
// a byte order mark, separated by commas, tabs or semicolons — and writes CSV
// that Excel opens correctly.
//
// It knows nothing of contacts or orders: it turns bytes into records of
// UTF-8 text, and records into bytes.
package csvfile

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/transform"
)

// Encoding names a character encoding of a CSV file.
type Encoding string

// The encodings the Reader reads. GBK and GB2312 files are read as GB18030,
// which contains both.
const (
	UTF8    Encoding = "utf-8"
	UTF16LE Encoding = "utf-16le"
	UTF16BE Encoding = "utf-16be"
	Big5    Encoding = "big5"
	GB18030 Encoding = "gb18030"
)

// Encodings lists the encodings the Reader reads, in the order a user
// interface would offer them.
func Encodings() []Encoding {
	return []Encoding{UTF8, UTF16LE, UTF16BE, Big5, GB18030}
}

// displayName is how messages name an encoding.
func (e Encoding) displayName() string {
	switch e {
	case UTF8:
		return "UTF-8"
	case UTF16LE:
		return "UTF-16LE"
	case UTF16BE:
		return "UTF-16BE"
	case Big5:
		return "Big5"
	case GB18030:
		return "GB18030"
	}
	return string(e)
}

func (e Encoding) valid() bool {
	switch e {
	case UTF8, UTF16LE, UTF16BE, Big5, GB18030:
		return true
	}
	return false
}

// encodingAliases maps names as people and programs write them, folded by
// foldEncodingName, to an Encoding. "unicode" is what Excel calls UTF-16LE
// ("Unicode text"); cp950 and cp936 are Windows' names for Big5 and GBK.
var encodingAliases = map[string]Encoding{
	"utf8":       UTF8,
	"utf16":      UTF16LE,
	"utf16le":    UTF16LE,
	"unicode":    UTF16LE,
	"utf16be":    UTF16BE,
	"big5":       Big5,
	"cp950":      Big5,
	"ms950":      Big5,
	"windows950": Big5,
	"gbk":        GB18030,
	"gb2312":     GB18030,
	"cp936":      GB18030,
	"ms936":      GB18030,
	"windows936": GB18030,
	"gb18030":    GB18030,
}

func foldEncodingName(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(name)))
}

// ParseEncoding returns the Encoding a name stands for, accepting common
// aliases in any case: utf8, UTF-8, utf-16 and unicode (both UTF-16LE, as
// Windows means them), utf-16be, big5, big-5, cp950, gbk, gb2312, cp936 and
// gb18030. An empty name or "auto" returns the empty Encoding, which tells
// NewReader to detect the encoding.
func ParseEncoding(name string) (Encoding, error) {
	folded := foldEncodingName(name)
	if folded == "" || folded == "auto" {
		return "", nil
	}
	if e, ok := encodingAliases[folded]; ok {
		return e, nil
	}
	return "", fmt.Errorf("csvfile: unknown encoding %q: choose utf-8, utf-16le, utf-16be, big5 or gb18030 "+
		"(also accepted: utf8, utf-16, unicode, big-5, cp950, gbk, gb2312, cp936)", name)
}

// Byte order marks.
var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// bomOf returns the encoding that the byte order mark at the start of b
// announces and the mark's length, or "" and 0 when b has none.
func bomOf(b []byte) (Encoding, int) {
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		return UTF8, len(bomUTF8)
	case bytes.HasPrefix(b, bomUTF16LE):
		return UTF16LE, len(bomUTF16LE)
	case bytes.HasPrefix(b, bomUTF16BE):
		return UTF16BE, len(bomUTF16BE)
	}
	return "", 0
}

// sniffLen is how much of a file NewReader reads to detect its encoding.
const sniffLen = 64 << 10

// Detect guesses the encoding of a file from its first bytes (NewReader
// gives it the first 64 KiB). A byte order mark decides. Without one, text
// whose every other byte is NUL is UTF-16 (Excel's "Unicode text", where
// most characters are ASCII: tabs, digits, line ends); valid UTF-8 is UTF-8;
// anything else is Big5 or GB18030, told apart by decoding the sample with
// each and scoring which gives the more plausible Chinese text (see
// guessChinese). A multibyte sequence cut off at the end of the sample does
// not count against any encoding.
func Detect(sample []byte) Encoding {
	if e, _ := bomOf(sample); e != "" {
		return e
	}
	if e := utf16ByNULs(sample); e != "" {
		return e
	}
	if utf8.Valid(trimIncompleteRune(sample)) {
		return UTF8
	}
	return guessChinese(sample)
}

// utf16ByNULs recognises UTF-16 without a byte order mark by the zero high
// bytes of its ASCII characters: in UTF-16LE they are the odd bytes, in
// UTF-16BE the even ones. A quarter of the characters being ASCII is enough
// for a CSV file, whose separators and line ends are ASCII even when its text
// is Chinese; a few zero bytes on the other side are characters such as
// U+4E00 一, whose low byte is zero.
func utf16ByNULs(sample []byte) Encoding {
	const maxUnits = 4096
	var evenNULs, oddNULs, units int
	for i := 0; i+1 < len(sample) && units < maxUnits; i += 2 {
		units++
		if sample[i] == 0 {
			evenNULs++
		}
		if sample[i+1] == 0 {
			oddNULs++
		}
	}
	switch {
	case oddNULs >= 2 && oddNULs*4 >= units && evenNULs*8 <= oddNULs:
		return UTF16LE
	case evenNULs >= 2 && evenNULs*4 >= units && oddNULs*8 <= evenNULs:
		return UTF16BE
	}
	return ""
}

// trimIncompleteRune drops a UTF-8 sequence cut off at the end of b.
func trimIncompleteRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			return b
		}
	}
	return b
}

// chineseScore says how plausible a decoding is as Chinese text.
type chineseScore struct {
	invalid int // byte sequences that are not characters of the encoding
	common  int // runes among the most frequent Chinese characters
	odd     int // runes that Chinese business text hardly uses (kana, box drawing, private use, rare ideographs)
}

func (s chineseScore) value() int { return 4*s.common - 2*s.odd - 6*s.invalid }

// guessChinese tells Big5 from GB18030. Both encodings use the same byte
// ranges, so nearly any text decodes in both; but decoded with the wrong one,
// Traditional Chinese becomes kana, box drawing, private-use and rare
// characters, and Simplified Chinese becomes rare Traditional characters. So
// each decoding is scored by how many of its runes are among the most common
// characters of names, addresses and everyday words (in either script), less
// the runes that such text hardly ever holds, less the invalid sequences.
// A tie goes to GB18030, which decodes more byte sequences.
func guessChinese(sample []byte) Encoding {
	big5 := scoreChinese(traditionalchinese.Big5, sample)
	gb := scoreChinese(simplifiedchinese.GB18030, sample)
	switch {
	case big5.value() > gb.value():
		return Big5
	case big5.value() == gb.value() && big5.invalid < gb.invalid:
		return Big5
	}
	return GB18030
}

func scoreChinese(enc encoding.Encoding, sample []byte) chineseScore {
	dst := make([]byte, 4*len(sample)+utf8.UTFMax)
	// atEOF=false leaves a sequence cut off at the end of the sample
	// undecoded instead of counting it as invalid.
	n, _, _ := enc.NewDecoder().Transform(dst, sample, false)
	var s chineseScore
	for _, r := range string(dst[:n]) {
		switch {
		case r == utf8.RuneError:
			s.invalid++
		case commonChinese[r]:
			s.common++
		case oddInChineseText(r):
			s.odd++
		}
	}
	return s
}

// oddInChineseText reports runes that a wrong decoding produces and that
// names, addresses and order lines in Chinese hardly ever contain.
func oddInChineseText(r rune) bool {
	switch {
	case r >= 0x0100 && r <= 0x02FF: // Latin Extended, IPA (GB2312 row 8: pinyin with tones)
	case r >= 0x0370 && r <= 0x052F: // Greek, Cyrillic (GB2312 rows 6 and 7)
	case r >= 0x2500 && r <= 0x257F: // box drawing (GB2312 row 9)
	case r >= 0x3040 && r <= 0x30FF: // kana (GB2312 rows 4 and 5, Big5 C6–C8)
	case r >= 0x3100 && r <= 0x312F: // bopomofo
	case r >= 0x3400 && r <= 0x4DBF: // CJK extension A
	case r >= 0xE000 && r <= 0xF8FF: // private use (user-defined areas)
	case r >= 0xF900 && r <= 0xFAFF: // CJK compatibility ideographs
	case r >= 0x10000: // supplementary planes (HKSCS, GB18030 four-byte sequences)
	default:
		return false
	}
	return true
}

// commonChinese holds the most frequent Chinese characters of running text,
// of names and of addresses, in Traditional and Simplified forms. It need
// not be exact: it only has to make a right decoding score well above a
// wrong one.
var commonChinese = func() map[rune]bool {
	m := make(map[rune]bool)
	for _, s := range []string{
		// Running text, Simplified.
		"的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指许统区保至队形社便空决治展马科司五基书非则听白界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根造言联持组每济车亲极林服快办议往元英士证近失转令准布始存未远叫台单影具罗字爱击流备连调深商算质团集百需价花党华城石级整府离况请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功包片史委查轻易早曾除农找装广显阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维划致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害双境客纪采举友诉止细愿千值仍男钱破网热助育属坐限船脸职速刻乐否刚威毛状率甚独球般普怕校苦创假久错承印晚兰试股拿脑预谁益阳若微继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷获模充负云停木游龙树层冷洲射略范竟句室异激汉村策演简卡判担州静退衣您宗积余痛检差富灵协角占配征修皮胜降阶审沉坚善妈刘读超免压银买养怀执副乱抗追帮宣佛岁航优香著田铁控税左右份穿艺背阵草脚概块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括鱼杂误湾吉减编楚肯测败屋跑梦散温困渐封救贵缺楼县尚移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨旧端探湖录叶春乡附吸予礼港雨板庭妇归饭额含顺输招婚脱补督油疗旅泽材灭逐莫笔词圣择寻厂睡博烟授岸奥唐卖健堂旁宫借君禁阴园宋避荣姑孙牙束跳顶玉镇雪午练爷篇肉馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻森塔握戏隐熟访弱蒙歌店软典欲伙盘爸扩盖雄稳忘亿刺拥齐赛趣曲床迎冰虚玩析窗妻透购替塞努休虎扬途绿兄迅套贸毕唯谷轮库迹尤竞街促延震甲伟麻川申缓售灯针哲络抵朱抱鼓植纯夏页杰筑折郑贝尊吴秀混雅振染盛舞圆措姓残秋培迷诚宽宇猛摆梅伸摩盟末乃拍丁赵",
		// Running text, Traditional.
		"這個們來為國說時會對過發後裡種經麼學現當沒動開從實軍無與長機關點業將兩間問應戰頭體見產話員東聲義處論氣題爾別變總電數報結務場計區資統記許隊難權設張覺術領傳師觀讓識帶導爭運飛風轉準聯組濟車親極辦議證單愛擊備調質團價黨華級離況請際約復線斷滿視須增寫稱農裝廣顯標談圖歷醫專費號盡較語僅隨選響雖勢參眾構節陳態護興驗責營夠緊黃絕圍織雙紀採舉訴細願錢網熱屬職樂剛狀獨創錯試腦預誰陽繼驚傷藥適險陸習勞財環納歡獲負雲龍樹層範異漢簡擔靜積餘檢靈協佔徵勝階審堅媽劉讀壓銀買養懷執亂幫歲優鐵稅藝陣腳塊頓島託戶評寶釋顧貨換聞歐壞討麗監臨誤灣減編測敗夢溫漸貴樓縣遺謝銷鐘詩趕劇損舊錄葉鄉禮婦歸飯額順輸補療澤滅筆詞聖擇尋廠煙賣園榮孫頂鎮練爺館礎寧紙諸訓莊絲戲隱訪軟盤擴蓋穩憶擁齊賽虛購揚綠貿畢輪庫跡競緩燈針絡純頁傑築鄭貝吳殘誠寬擺趙臺",
		// Surnames and given names.
		"王李張张劉刘陳陈楊杨黃黄趙赵吳吴周徐孫孙馬马朱胡郭何高林羅罗鄭郑梁謝谢宋唐許许韓韩馮冯鄧邓曹彭曾蕭萧田董袁潘于蔣蒋蔡余杜葉叶程蘇苏魏呂吕丁任沈姚盧卢姜崔鍾钟譚谭陸陆汪范金石廖賈贾夏韋韦付方白鄒邹孟熊秦邱江尹薛閻阎段雷侯龍龙史陶黎賀贺顧顾毛郝龔龚邵萬万錢钱嚴严賴赖洪簡简游詹" +
			"明華华偉伟芳娜敏靜静麗丽強强磊軍军洋勇艷艳傑杰娟濤涛超秀霞平剛刚桂英建文輝辉玲志宏美淑惠雅婷怡君佳欣宇豪俊家瑋玮琳雯萍婉儀仪慧穎颖翔宗銘铭凱凯",
		// Addresses.
		"省市區区縣县鄉乡鎮镇村路街巷弄號号樓楼室段里台臺北南東东西中山新竹桃園园高雄嘉義义彰化屏基隆宜蘭兰花蓮莲澎湖金門门苗栗雲云投京上海廣广州深圳杭蘇苏江浙福建湖川重慶庆天津河陝陕安成都武漢汉寧宁灣湾大道信忠孝仁愛爱",
		// Business words and column names.
		"公司有限股份企業业集團团商店電电話话郵邮件址傳传真手機机號号碼码子信箱客戶户會会員员訂订單单產产品價价格數数量金額额總总計计日期時时間间備备註注姓名性別别男女生年月日元",
	} {
		for _, r := range s {
			m[r] = true
		}
	}
	return m
}()

// decoderFor returns a decoder for the encodings that x/text decodes for
// the Reader; UTF-8 and UTF-16 it decodes itself.
func decoderFor(e Encoding) *encoding.Decoder {
	switch e {
	case Big5:
		return traditionalchinese.Big5.NewDecoder()
	case GB18030:
		return simplifiedchinese.GB18030.NewDecoder()
	}
	return nil
}

// gb18030ReplacementChar is U+FFFD encoded in GB18030: the one sequence that
// decodes to U+FFFD without being invalid. Big5 cannot encode U+FFFD.
const gb18030ReplacementChar = "\x84\x31\xA4\x37"

// hasInvalidSequence reports whether line, in Big5 or GB18030, holds a byte
// sequence that is not a character. The Reader asks only when the decoder
// has produced U+FFFD, which x/text writes for such sequences, so this slower
// walk runs only on suspect lines; it follows the byte structure the x/text
// decoders follow.
func hasInvalidSequence(e Encoding, line []byte) bool {
	dec := decoderFor(e)
	for i := 0; i < len(line); {
		n := sequenceLen(e, line[i:])
		if n == 0 {
			return true
		}
		if n > 1 {
			seq := line[i : i+n]
			text, _, err := transform.Bytes(dec, seq)
			if err != nil || string(text) == "\uFFFD" && string(seq) != gb18030ReplacementChar {
				return true
			}
		}
		i += n
	}
	return false
}

// sequenceLen returns the length of the character that b starts with in
// Big5 or GB18030, or 0 when b starts with an invalid sequence.
func sequenceLen(e Encoding, b []byte) int {
	c0 := b[0]
	switch {
	case c0 < utf8.RuneSelf:
		return 1
	case c0 == 0x80 && e == GB18030: // the euro sign, as in code page 936
		return 1
	case c0 < 0x81 || c0 == 0xFF || len(b) < 2:
		return 0
	}
	c1 := b[1]
	switch e {
	case Big5:
		if 0x40 <= c1 && c1 <= 0x7E || 0xA1 <= c1 && c1 <= 0xFE {
			return 2
		}
	case GB18030:
		if 0x40 <= c1 && c1 <= 0x7E || 0x80 <= c1 && c1 <= 0xFE {
			return 2
		}
		if 0x30 <= c1 && c1 <= 0x39 && len(b) >= 4 && 0x81 <= b[2] && b[2] <= 0xFE && 0x30 <= b[3] && b[3] <= 0x39 {
			return 4
		}
	}
	return 0
}
