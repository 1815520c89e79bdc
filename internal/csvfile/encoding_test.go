package csvfile

import (
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func TestParseEncoding(t *testing.T) {
	tests := []struct {
		name string
		want Encoding
	}{
		{"utf8", UTF8},
		{"UTF-8", UTF8},
		{" utf_8 ", UTF8},
		{"utf-16", UTF16LE},
		{"UTF-16LE", UTF16LE},
		{"Unicode", UTF16LE},
		{"utf-16be", UTF16BE},
		{"big5", Big5},
		{"Big-5", Big5},
		{"CP950", Big5},
		{"gbk", GB18030},
		{"GB2312", GB18030},
		{"cp936", GB18030},
		{"GB18030", GB18030},
		{"", ""},
		{"auto", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEncoding(tt.name)
			if err != nil || got != tt.want {
				t.Errorf("ParseEncoding(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		_, err := ParseEncoding("latin1")
		if err == nil {
			t.Fatal("no error for latin1")
		}
		for _, name := range []string{`"latin1"`, "utf-8", "utf-16le", "utf-16be", "big5", "gb18030", "gbk", "unicode"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name %s", err, name)
			}
		}
	})
}

// Real text in each script: names, addresses, companies and CSV rows, from
// a few characters to a few lines.
var (
	traditionalSamples = []string{
		"王小明",
		"陳美玲",
		"張志豪",
		"姓名,電話",
		"臺灣電話",
		"台北市信義區信義路五段7號",
		"林淑芬,0912-345-678,高雄市前鎮區中華五路789號",
		"客戶編號,姓名,手機,電子郵件,生日\r\nC001,黃怡君,0933-111-222,yijun@example.com.tw,1988-03-14\r\n",
		"姓名,電話,地址,公司\r\n張志豪,02-2345-6789,台北市大安區忠孝東路四段100號,台灣積體電路製造股份有限公司\r\n" +
			"黃怡君,0933-111-222,新竹市東區光復路二段101號,聯發科技股份有限公司\r\n" +
			"吳建宏,04-2222-3333,台中市西屯區臺灣大道三段99號,巨大機械工業股份有限公司\r\n",
	}
	simplifiedSamples = []string{
		"王小明",
		"李娜",
		"张伟",
		"姓名,电话",
		"北京市朝阳区建国路88号",
		"上海市浦东新区陆家嘴环路1000号",
		"广东省深圳市南山区科技园",
		"陈静,13800138000,广州市天河区天河路385号",
		"客户编号,姓名,手机,电子邮件,生日\r\nC001,刘芳,13912345678,liufang@example.cn,1990-07-21\r\n",
		"姓名,电话,地址,公司\r\n张伟,010-12345678,北京市海淀区中关村大街27号,北京百度网讯科技有限公司\r\n" +
			"刘芳,13912345678,浙江省杭州市余杭区文一西路969号,阿里巴巴集团控股有限公司\r\n" +
			"杨洋,0755-86013388,广东省深圳市南山区深南大道10000号,深圳市腾讯计算机系统有限公司\r\n",
	}
)

func mustEncode(t testing.TB, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding %q: %v", s, err)
	}
	return b
}

func utf16Bytes(s string, bigEndian bool) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name   string
		sample []byte
		want   Encoding
	}{
		{"empty", nil, UTF8},
		{"ASCII", []byte("name,email\r\nAnn,ann@example.com\r\n"), UTF8},
		{"UTF-8", []byte("姓名,電話\n王小明,0912345678\n"), UTF8},
		{"UTF-8 BOM", append([]byte("\xEF\xBB\xBF"), "name"...), UTF8},
		{"UTF-16LE BOM", append([]byte{0xFF, 0xFE}, utf16Bytes("姓名", false)...), UTF16LE},
		{"UTF-16BE BOM", append([]byte{0xFE, 0xFF}, utf16Bytes("姓名", true)...), UTF16BE},
		{"UTF-16LE without BOM", utf16Bytes("name\temail\r\nAnn\tann@example.com\r\n", false), UTF16LE},
		{"UTF-16BE without BOM", utf16Bytes("name\temail\r\nAnn\tann@example.com\r\n", true), UTF16BE},
		{"UTF-16LE Chinese without BOM", utf16Bytes("姓名\t電話\r\n王小明\t0912345678\r\n陳美玲\t0922333444\r\n", false), UTF16LE},
		{"UTF-8 cut in a character", []byte("王小明,陳美玲")[:len("王小明,陳美玲")-1], UTF8},
		{"Traditional text in GBK", mustEncode(t, simplifiedchinese.GBK, "臺灣電話,台北市信義區信義路五段7號,陳美玲"), GB18030},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.sample); got != tt.want {
				t.Errorf("Detect = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDetectChinese(t *testing.T) {
	for _, s := range traditionalSamples {
		t.Run("Big5/"+s, func(t *testing.T) {
			if got := Detect(mustEncode(t, traditionalchinese.Big5, s)); got != Big5 {
				t.Errorf("Detect = %q, want big5", got)
			}
		})
	}
	for _, s := range simplifiedSamples {
		t.Run("GBK/"+s, func(t *testing.T) {
			if got := Detect(mustEncode(t, simplifiedchinese.GBK, s)); got != GB18030 {
				t.Errorf("Detect = %q, want gb18030", got)
			}
		})
	}
}

// TestDetectCutSample cuts samples at every byte: a character cut in two at
// the end of the sample must not change the answer.
func TestDetectCutSample(t *testing.T) {
	tests := []struct {
		name string
		enc  encoding.Encoding
		text string
		want Encoding
	}{
		{"Big5", traditionalchinese.Big5, traditionalSamples[len(traditionalSamples)-1], Big5},
		{"GBK", simplifiedchinese.GBK, simplifiedSamples[len(simplifiedSamples)-1], GB18030},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustEncode(t, tt.enc, tt.text)
			// From the first two characters on, past the ASCII-only prefixes.
			for n := 4; n <= len(b); n++ {
				if got := Detect(b[:n]); got != tt.want {
					t.Errorf("Detect(first %d bytes) = %q, want %q", n, got, tt.want)
				}
			}
		})
	}
}

func TestHasInvalidSequence(t *testing.T) {
	tests := []struct {
		name string
		enc  Encoding
		line []byte
		want bool
	}{
		{"Big5 text", Big5, mustEncode(t, traditionalchinese.Big5, "王小明,台北市\r\n"), false},
		{"Big5 lead byte before a comma", Big5, []byte("\xA4,\r\n"), true},
		{"Big5 lead byte at the end", Big5, []byte("ab\xA4"), true},
		{"Big5 0x80", Big5, []byte("\x80"), true},
		{"Big5 bad trail byte", Big5, []byte("\xA4\x90"), true},
		{"GB18030 text", GB18030, mustEncode(t, simplifiedchinese.GB18030, "王小明,北京市\U00020000\r\n"), false},
		{"GB18030 real U+FFFD", GB18030, []byte("a" + gb18030ReplacementChar + "b"), false},
		{"GB18030 lead byte before a comma", GB18030, []byte("\xB0,"), true},
		{"GB18030 broken four-byte sequence", GB18030, []byte("\x81\x30\x20\x30"), true},
		{"GB18030 0xFF", GB18030, []byte("\xFF"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasInvalidSequence(tt.enc, tt.line); got != tt.want {
				t.Errorf("hasInvalidSequence(% x) = %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}
