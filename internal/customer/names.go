package customer

import (
	"sort"
	"strings"
	"unicode"
)

// NameSimilarity compares two people's names, 0 (unlike) to 1 (the same).
// Latin names are compared ignoring case, punctuation and the order of their
// parts (Lee Ann = Ann Lee). Chinese names are compared family name first,
// with Traditional and Simplified forms of common name characters taken as
// the same (陳冠宇 = 陈冠宇).
func NameSimilarity(a, b *Contact) float64 {
	x, y := nameRunes(a), nameRunes(b)
	if len(x) == 0 || len(y) == 0 {
		return 0
	}
	if hasUnspacedScript(string(x)) && hasUnspacedScript(string(y)) {
		return chineseSimilarity(x, y)
	}
	return jaroWinkler(x, y)
}

// nameRunes is a person's name reduced for comparison: lower case, letters
// only; Latin parts sorted, Chinese characters folded to Simplified.
func nameRunes(c *Contact) []rune {
	name := c.DisplayName
	if c.FamilyName != "" || c.GivenName != "" {
		name = c.FamilyName + " " + c.GivenName
	}
	parts := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	if hasUnspacedScript(name) {
		out := []rune(strings.Join(parts, ""))
		for i, r := range out {
			if s, ok := simplified[r]; ok {
				out[i] = s
			}
		}
		return out
	}
	sort.Strings(parts)
	return []rune(strings.Join(parts, ""))
}

// chineseSimilarity scores Chinese names. They are two to four characters,
// too short for edit-distance scores: the same name scores 1, and the same
// family name with one given-name character different — the usual slip of an
// input method (王丽 / 王莉) — scores just at the threshold. Anything else is
// not similar.
func chineseSimilarity(x, y []rune) float64 {
	if string(x) == string(y) {
		return 1
	}
	if len(x) != len(y) || len(x) < 2 || x[0] != y[0] {
		return 0
	}
	diff := 0
	for i := range x {
		if x[i] != y[i] {
			diff++
		}
	}
	if diff == 1 {
		return nameSimilarityThreshold
	}
	return 0
}

// simplified maps Traditional forms of characters common in names to their
// Simplified forms, so one person written both ways is seen as one.
var simplified = func() map[rune]rune {
	const pairs = "陳陈張张劉刘黃黄吳吴楊杨趙赵孫孙馬马羅罗鄭郑謝谢許许韓韩馮冯鄧邓蕭萧蔣蒋葉叶蘇苏呂吕盧卢鍾钟譚谭陸陆賈贾韋韦鄒邹閻阎龍龙賀贺顧顾龔龚萬万錢钱嚴严湯汤" +
		"偉伟華华國国強强軍军傑杰濤涛鵬鹏輝辉麗丽紅红豔艷靜静雲云鳳凤鳴鸣寧宁義义興兴東东亞亚嬌娇蓮莲愛爱賢贤彥彦誠诚達达銘铭錦锦鈞钧鋒锋瑩莹綺绮維维紹绍" +
		"榮荣樂乐聰聪穎颖齊齐儀仪憲宪豐丰廣广慶庆勝胜歡欢蘭兰誼谊詩诗語语軒轩曉晓書书賓宾進进運运遠远雙双頤颐顯显驊骅鴻鸿鶴鹤凱凯淵渊漢汉潔洁澤泽瑋玮環环瓊琼" +
		"碩硕禎祯禮礼純纯紀纪織织聖圣藝艺蘊蕴觀观訓训詠咏謙谦讓让貞贞財财貴贵資资賽赛贊赞農农邁迈鄉乡釗钊鈴铃銀银鋼钢錫锡長长開开關关陽阳雞鸡電电靈灵韻韵" +
		"頌颂順顺飛飞馳驰駿骏體体鮮鲜雄雄龐庞藍蓝戰战衛卫範范鈺钰瑤瑶嫻娴婭娅嬋婵貽贻峯峰豪豪傳传倫伦儒儒筠筠薇薇"
	m := map[rune]rune{}
	rs := []rune(pairs)
	for i := 0; i+1 < len(rs); i += 2 {
		if rs[i] != rs[i+1] {
			m[rs[i]] = rs[i+1]
		}
	}
	return m
}()
