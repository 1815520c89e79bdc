package vcard

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// crlf turns the LF line ends of a sample into CRLF, as phones write them.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// Samples as the programs write them (photos shortened).
const (
	iPhoneCard = `BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iPhone OS 17.2//EN
N:王;小明;;;
FN:王小明
ORG:台灣積體電路製造股份有限公司;業務部;
TITLE:經理
item1.EMAIL;type=INTERNET;type=pref:xiaoming.wang@example.com.tw
item1.X-ABLabel:_$!<Other>!$_
EMAIL;type=INTERNET;type=WORK:wang@example.com
TEL;type=CELL;type=VOICE;type=pref:+886 912 345 678
TEL;type=WORK;type=VOICE:02-2345-6789
item2.ADR;type=HOME;type=pref:;;信義路五段7號;台北市;;110;台灣
item2.X-ABADR:tw
BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12
NOTE:VIP 客戶\n喜歡烏龍茶\, 不加糖
item3.URL;type=pref:https://example.com.tw
item3.X-ABLabel:_$!<HomePage>!$_
PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0a
 HBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIy
CATEGORIES:VIP,茶
END:VCARD
`
	androidCard = `BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=8E=8B;=E5=B0=8F=E6=98=8E;;;
FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=8E=8B=E5=B0=8F=E6=98=8E
TEL;CELL;PREF:0912345678
TEL;HOME:02-2345-6789
EMAIL;HOME:xiaoming@example.com
ADR;HOME;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;=E4=BF=A1=E7=BE=A9=E8=B7=AF=E4=BA=94=E6=AE=B57=E8=99=9F;=E5=8F=B0=E5=8C=97=E5=B8=82;;110;
NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=96=9C=E6=AD=A1=E7=83=8F=E9=BE=8D=E8=8C=B6=0A=
=E6=AF=8F=E6=9C=88=E4=BE=86=E5=BA=97
BDAY:19850412
PHOTO;ENCODING=BASE64;JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsK
  CwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQU

X-ANDROID-CUSTOM;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:vnd.android.cursor.item/nickname;=E5=B0=8F=E6=98=8E;1;;;;;;;;;;;;;
END:VCARD
`
	outlookCard = `BEGIN:VCARD
VERSION:2.1
N;LANGUAGE=en-us:Smith;John;Q.;Mr.;Jr.
FN:John Smith
ORG:Contoso Ltd.;Sales
TITLE:Sales Manager
TEL;WORK;VOICE:(425) 555-0100
TEL;CELL;VOICE:(425) 555-0199
TEL;WORK;FAX:(425) 555-0101
ADR;WORK;PREF:;;One Microsoft Way;Redmond;WA;98052;United States of America
LABEL;WORK;PREF;ENCODING=QUOTED-PRINTABLE:One Microsoft Way=0D=0A=
Redmond, WA 98052=0D=0A=
United States of America
EMAIL;PREF;INTERNET:john.smith@contoso.com
NOTE;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:Met at the Z=FCrich fair
X-MS-OL-DEFAULT-POSTAL-ADDRESS:2
REV:20240115T083000Z
END:VCARD
`
	googleCard = `BEGIN:VCARD
VERSION:3.0
FN:陳美玲
N:陳;美玲;;;
NICKNAME:阿玲
EMAIL;TYPE=INTERNET;TYPE=HOME:meiling@gmail.com
EMAIL;TYPE=INTERNET;TYPE=WORK:mei-ling.chen@example.com
TEL;TYPE=CELL:0922-333-444
ADR;TYPE=HOME:;;中山北路二段45號;台北市;中山區;104;台灣
ORG:美玲設計工作室
BDAY:1990-03-01
item1.URL:http\://meiling.example.com
item1.X-ABLabel:PROFILE
CATEGORIES:myContacts,客戶
END:VCARD
`
	thunderbirdCard = `BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
FN:李娜
N:李;娜;;;
GENDER:F
BDAY:--0412
ANNIVERSARY:20150620
EMAIL;TYPE=work;PREF=1:li.na@example.cn
EMAIL;TYPE=home:lina@example.com
TEL;VALUE=uri;TYPE="cell,voice";PREF=1:tel:+86-138-0013-8000
TEL;VALUE=uri;TYPE=work:tel:+86-10-12345678
ADR;TYPE=work;LABEL="北京市朝阳区建国路88号":;;建国路88号;北京市;北京;100022;中国
ORG:北京示例科技有限公司
TITLE:市场总监
LANG;PREF=1:zh-Hans
CATEGORIES:合作伙伴,VIP
NOTE:喜欢绿茶\, 不喝咖啡
REV:20240301T101500Z
X-SOCIALPROFILE;TYPE=weibo:https://weibo.com/lina
END:VCARD
`
)

var (
	iPhoneWant = Card{
		Version:       "3.0",
		FormattedName: "王小明", FamilyName: "王", GivenName: "小明",
		Org: "台灣積體電路製造股份有限公司", OrgUnit: "業務部", Title: "經理",
		Emails: []Email{
			{Address: "xiaoming.wang@example.com.tw", Pref: true},
			{Address: "wang@example.com", Types: []string{"work"}},
		},
		Phones: []Phone{
			{Number: "+886 912 345 678", Types: []string{"cell", "voice"}, Pref: true},
			{Number: "02-2345-6789", Types: []string{"work", "voice"}},
		},
		Addresses:  []Address{{Types: []string{"home"}, Pref: true, Street: "信義路五段7號", Locality: "台北市", PostalCode: "110", Country: "台灣"}},
		Birthday:   "--04-12",
		Note:       "VIP 客戶\n喜歡烏龍茶, 不加糖",
		URL:        []string{"https://example.com.tw"},
		Categories: []string{"VIP", "茶"},
		Extra: map[string][]string{
			"PRODID":    {"-//Apple Inc.//iPhone OS 17.2//EN"},
			"X-ABLABEL": {"_$!<Other>!$_", "_$!<HomePage>!$_"},
			"X-ABADR":   {"tw"},
		},
	}
	androidWant = Card{
		Version:       "2.1",
		FormattedName: "王小明", FamilyName: "王", GivenName: "小明",
		Phones: []Phone{
			{Number: "0912345678", Types: []string{"cell"}, Pref: true},
			{Number: "02-2345-6789", Types: []string{"home"}},
		},
		Emails:    []Email{{Address: "xiaoming@example.com", Types: []string{"home"}}},
		Addresses: []Address{{Types: []string{"home"}, Street: "信義路五段7號", Locality: "台北市", PostalCode: "110"}},
		Note:      "喜歡烏龍茶\n每月來店",
		Birthday:  "1985-04-12",
		Extra: map[string][]string{
			"X-ANDROID-CUSTOM": {"vnd.android.cursor.item/nickname;小明;1;;;;;;;;;;;;;"},
		},
	}
	outlookWant = Card{
		Version:       "2.1",
		FormattedName: "John Smith", FamilyName: "Smith", GivenName: "John", AdditionalNames: "Q.", Prefix: "Mr.", Suffix: "Jr.",
		Org: "Contoso Ltd.", OrgUnit: "Sales", Title: "Sales Manager",
		Phones: []Phone{
			{Number: "(425) 555-0100", Types: []string{"work", "voice"}},
			{Number: "(425) 555-0199", Types: []string{"cell", "voice"}},
			{Number: "(425) 555-0101", Types: []string{"work", "fax"}},
		},
		Addresses: []Address{{Types: []string{"work"}, Pref: true, Street: "One Microsoft Way", Locality: "Redmond",
			Region: "WA", PostalCode: "98052", Country: "United States of America"}},
		Emails: []Email{{Address: "john.smith@contoso.com", Pref: true}},
		Note:   "Met at the Zürich fair",
		Rev:    "20240115T083000Z",
		Extra: map[string][]string{
			"LABEL":                          {"One Microsoft Way\nRedmond, WA 98052\nUnited States of America"},
			"X-MS-OL-DEFAULT-POSTAL-ADDRESS": {"2"},
		},
	}
	googleWant = Card{
		Version:       "3.0",
		FormattedName: "陳美玲", FamilyName: "陳", GivenName: "美玲", Nickname: "阿玲",
		Emails: []Email{
			{Address: "meiling@gmail.com", Types: []string{"home"}},
			{Address: "mei-ling.chen@example.com", Types: []string{"work"}},
		},
		Phones:     []Phone{{Number: "0922-333-444", Types: []string{"cell"}}},
		Addresses:  []Address{{Types: []string{"home"}, Street: "中山北路二段45號", Locality: "台北市", Region: "中山區", PostalCode: "104", Country: "台灣"}},
		Org:        "美玲設計工作室",
		Birthday:   "1990-03-01",
		URL:        []string{"http://meiling.example.com"},
		Categories: []string{"myContacts", "客戶"},
		Extra:      map[string][]string{"X-ABLABEL": {"PROFILE"}},
	}
	thunderbirdWant = Card{
		Version:       "4.0",
		UID:           "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
		FormattedName: "李娜", FamilyName: "李", GivenName: "娜",
		Gender: "F", Birthday: "--04-12", Anniversary: "2015-06-20",
		Emails: []Email{
			{Address: "li.na@example.cn", Types: []string{"work"}, Pref: true},
			{Address: "lina@example.com", Types: []string{"home"}},
		},
		Phones: []Phone{
			{Number: "+86-138-0013-8000", Types: []string{"cell", "voice"}, Pref: true},
			{Number: "+86-10-12345678", Types: []string{"work"}},
		},
		Addresses:  []Address{{Types: []string{"work"}, Street: "建国路88号", Locality: "北京市", Region: "北京", PostalCode: "100022", Country: "中国"}},
		Org:        "北京示例科技有限公司",
		Title:      "市场总监",
		Lang:       "zh-Hans",
		Categories: []string{"合作伙伴", "VIP"},
		Note:       "喜欢绿茶, 不喝咖啡",
		Rev:        "20240301T101500Z",
		Extra:      map[string][]string{"X-SOCIALPROFILE": {"https://weibo.com/lina"}},
	}
)

func TestParseSamples(t *testing.T) {
	tests := []struct {
		name string
		data string
		want Card
	}{
		{"iPhone 3.0", iPhoneCard, iPhoneWant},
		{"Android 2.1", androidCard, androidWant},
		{"Outlook 2.1", outlookCard, outlookWant},
		{"Google 3.0", googleCard, googleWant},
		{"Thunderbird 4.0", thunderbirdCard, thunderbirdWant},
	}
	for _, tt := range tests {
		for _, lineEnd := range []string{"LF", "CRLF"} {
			t.Run(tt.name+"/"+lineEnd, func(t *testing.T) {
				data := tt.data
				if lineEnd == "CRLF" {
					data = crlf(data)
				}
				cards, err := Parse(strings.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if len(cards) != 1 {
					t.Fatalf("%d cards, want 1", len(cards))
				}
				if !reflect.DeepEqual(cards[0], tt.want) {
					t.Errorf("card\n got %#v\nwant %#v", cards[0], tt.want)
				}
			})
		}
	}
}

func TestParseSeveralCards(t *testing.T) {
	data := "\xEF\xBB\xBF" + crlf(iPhoneCard+androidCard+"\n"+outlookCard+googleCard+thunderbirdCard)
	cards, err := Parse(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Card{iPhoneWant, androidWant, outlookWant, googleWant, thunderbirdWant}
	if !reflect.DeepEqual(cards, want) {
		t.Errorf("cards\n got %#v\nwant %#v", cards, want)
	}
}

func TestParseDetails(t *testing.T) {
	card := func(lines ...string) string {
		return "BEGIN:VCARD\r\nVERSION:3.0\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VCARD\r\n"
	}
	tests := []struct {
		name  string
		data  string
		check func(t *testing.T, c Card)
	}{
		{"folding with a space and a tab", card("FN:王小", " 明", "NOTE:a", "\tb"), func(t *testing.T, c Card) {
			if c.FormattedName != "王小明" || c.Note != "ab" {
				t.Errorf("FN %q, NOTE %q", c.FormattedName, c.Note)
			}
		}},
		{"escapes", card(`NOTE:a\\b\,c\;d\ne\Nf\:g\x`), func(t *testing.T, c Card) {
			if want := "a\\b,c;d\ne\nf:g\\x"; c.Note != want {
				t.Errorf("NOTE %q, want %q", c.Note, want)
			}
		}},
		{"escaped separators in N", card(`N:O\;Brien;Ann\, Jr;;;`), func(t *testing.T, c Card) {
			if c.FamilyName != "O;Brien" || c.GivenName != "Ann, Jr" {
				t.Errorf("N %q %q", c.FamilyName, c.GivenName)
			}
		}},
		{"lower-case names and groups", card("item9.email;type=work:a@example.com", "fn:Ann"), func(t *testing.T, c Card) {
			if len(c.Emails) != 1 || c.Emails[0].Address != "a@example.com" || c.FormattedName != "Ann" {
				t.Errorf("%+v", c)
			}
		}},
		{"TYPE quoted list and repeated", card(`TEL;TYPE="work,voice";TYPE=fax;TYPE=WORK:1`), func(t *testing.T, c Card) {
			if want := []string{"work", "voice", "fax"}; !reflect.DeepEqual(c.Phones[0].Types, want) {
				t.Errorf("types %q, want %q", c.Phones[0].Types, want)
			}
		}},
		{"RFC 6868 in a TYPE", card(`TEL;TYPE="a^'b^^":1`), func(t *testing.T, c Card) {
			if want := []string{`a"b^`}; !reflect.DeepEqual(c.Phones[0].Types, want) {
				t.Errorf("types %q, want %q", c.Phones[0].Types, want)
			}
		}},
		{"Big5 charset with a 0x5C byte", card("FN;CHARSET=BIG5:\xB3\x5C\xA7\xD3\xBB\xA8", "N;CHARSET=BIG5:\xB3\x5C;\xA7\xD3\xBB\xA8;;;"), func(t *testing.T, c Card) {
			if c.FormattedName != "許志豪" || c.FamilyName != "許" || c.GivenName != "志豪" {
				t.Errorf("FN %q, N %q %q", c.FormattedName, c.FamilyName, c.GivenName)
			}
		}},
		{"GB2312 quoted-printable", card("FN;CHARSET=GB2312;ENCODING=QUOTED-PRINTABLE:=CD=F5=D0=A1=C3=F7"), func(t *testing.T, c Card) {
			if c.FormattedName != "王小明" {
				t.Errorf("FN %q", c.FormattedName)
			}
		}},
		{"2.1 bare QUOTED-PRINTABLE", card("NOTE;QUOTED-PRINTABLE:a=3Db"), func(t *testing.T, c Card) {
			if c.Note != "a=b" {
				t.Errorf("NOTE %q", c.Note)
			}
		}},
		{"stray = before END", card("NOTE;ENCODING=QUOTED-PRINTABLE:abc="), func(t *testing.T, c Card) {
			if c.Note != "abc" {
				t.Errorf("NOTE %q", c.Note)
			}
		}},
		{"no FN", card("N:王;小明;;;"), func(t *testing.T, c Card) {
			if c.FormattedName != "王小明" {
				t.Errorf("FN %q", c.FormattedName)
			}
		}},
		{"no FN, Latin name", card("N:Smith;John;;;"), func(t *testing.T, c Card) {
			if c.FormattedName != "John Smith" {
				t.Errorf("FN %q", c.FormattedName)
			}
		}},
		{"no name at all", card("EMAIL:a@example.com"), func(t *testing.T, c Card) {
			if c.FormattedName != "a@example.com" {
				t.Errorf("FN %q", c.FormattedName)
			}
		}},
		{"second FN and NOTE kept in Extra", card("FN:Ann", "FN:Annie", "NOTE:one", "NOTE:two"), func(t *testing.T, c Card) {
			want := map[string][]string{"FN": {"Annie"}, "NOTE": {"two"}}
			if c.FormattedName != "Ann" || c.Note != "one" || !reflect.DeepEqual(c.Extra, want) {
				t.Errorf("FN %q NOTE %q Extra %q", c.FormattedName, c.Note, c.Extra)
			}
		}},
		{"URI photo and data URI dropped", card("PHOTO;VALUE=uri:https://example.com/a.jpg", "LOGO:data:image/png;base64,iVBOR", "KEY;ENCODING=b:MIIB"), func(t *testing.T, c Card) {
			if c.Extra != nil {
				t.Errorf("Extra %q", c.Extra)
			}
		}},
		{"GENDER with identity", card("GENDER:o;non-binary"), func(t *testing.T, c Card) {
			if c.Gender != "O" || c.GenderIdentity != "non-binary" {
				t.Errorf("GENDER %q %q", c.Gender, c.GenderIdentity)
			}
		}},
		{"ORG with more units", card("ORG:ACME;Sales;;Asia"), func(t *testing.T, c Card) {
			if c.Org != "ACME" || c.OrgUnit != "Sales, Asia" {
				t.Errorf("ORG %q %q", c.Org, c.OrgUnit)
			}
		}},
		{"empty entries dropped", card("EMAIL:", "TEL;CELL: ", "ADR:;;;;;;", "CATEGORIES:,a,,"), func(t *testing.T, c Card) {
			if c.Emails != nil || c.Phones != nil || c.Addresses != nil || !reflect.DeepEqual(c.Categories, []string{"a"}) {
				t.Errorf("%+v", c)
			}
		}},
		{"blank lines", card("", "FN:Ann", "  "), func(t *testing.T, c Card) {
			if c.FormattedName != "Ann" {
				t.Errorf("FN %q", c.FormattedName)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cards, err := Parse(strings.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if len(cards) != 1 {
				t.Fatalf("%d cards", len(cards))
			}
			tt.check(t, cards[0])
		})
	}
}

func TestNormalizeDate(t *testing.T) {
	tests := []struct {
		in, omitYear, want string
	}{
		{"19850412", "", "1985-04-12"},
		{"1985-04-12", "", "1985-04-12"},
		{"--0412", "", "--04-12"},
		{"--04-12", "", "--04-12"},
		{"--0229", "", "--02-29"},
		{"1604-04-12", "1604", "--04-12"},
		{"16040412", "1604", "--04-12"},
		{"1985-02-30", "", "1985-02-30"},
		{"--1301", "", "--1301"},
		{"1985-04-12T00:00:00Z", "", "1985-04-12T00:00:00Z"},
		{"April 12", "", "April 12"},
		{"1985", "", "1985"},
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := normalizeDate(tt.in, tt.omitYear); got != tt.want {
				t.Errorf("normalizeDate(%q, %q) = %q, want %q", tt.in, tt.omitYear, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	good := func(name string) string { return "BEGIN:VCARD\nVERSION:3.0\nFN:" + name + "\nEND:VCARD\n" }
	tests := []struct {
		name      string
		data      string
		wantNames []string
		wantErrs  []string
	}{
		{
			name:      "END without BEGIN",
			data:      good("Ann") + "FN:stray\nEND:VCARD\n" + good("Bob"),
			wantNames: []string{"Ann", "Bob"},
			wantErrs:  []string{`vcard: line 5: expected BEGIN:VCARD, found "FN:stray"`},
		},
		{
			name:      "END without BEGIN, alone",
			data:      good("Ann") + "\n\nEND:VCARD\n" + good("Bob"),
			wantNames: []string{"Ann", "Bob"},
			wantErrs:  []string{"vcard: line 7: END:VCARD without BEGIN:VCARD"},
		},
		{
			name:      "missing END before the next card",
			data:      "BEGIN:VCARD\nVERSION:3.0\nFN:Ann\n" + good("Bob"),
			wantNames: []string{"Bob"},
			wantErrs:  []string{"vcard: line 4: BEGIN:VCARD inside the card that begins at line 1 (is its END:VCARD missing?)"},
		},
		{
			name:      "missing END at the end",
			data:      good("Ann") + "BEGIN:VCARD\nFN:Bob\n",
			wantNames: []string{"Ann"},
			wantErrs:  []string{"vcard: line 5: BEGIN:VCARD without END:VCARD"},
		},
		{
			name:      "line without a colon",
			data:      good("Ann") + "BEGIN:VCARD\nFN:Bob\nnonsense\nEND:VCARD\n" + good("Cy"),
			wantNames: []string{"Ann", "Cy"},
			wantErrs:  []string{`vcard: line 7: no ':' in "nonsense"`},
		},
		{
			name:      "invalid UTF-8 without CHARSET",
			data:      "BEGIN:VCARD\nFN:\xB3\x5C\nEND:VCARD\n" + good("Bob"),
			wantNames: []string{"Bob"},
			wantErrs:  []string{"vcard: line 2: FN is not valid UTF-8 (the card gives no CHARSET)"},
		},
		{
			name:      "unknown charset",
			data:      "BEGIN:VCARD\nFN;CHARSET=klingon:x\nEND:VCARD\n",
			wantErrs:  []string{`vcard: line 2: unknown CHARSET "klingon"`},
			wantNames: nil,
		},
		{
			name:     "invalid property name",
			data:     "BEGIN:VCARD\nF N:x\nEND:VCARD\n",
			wantErrs: []string{`vcard: line 2: invalid property name "F N"`},
		},
		{
			name:      "two bad cards",
			data:      "BEGIN:VCARD\n:x\nEND:VCARD\n" + good("Ann") + "BEGIN:VCARD\nEND:FOO\nEND:VCARD\n",
			wantNames: []string{"Ann"},
			wantErrs:  []string{`vcard: line 2: invalid property name ""`, "vcard: line 9: END:FOO inside a card"},
		},
		{
			name:     "not a vCard",
			data:     "name,email\nAnn,ann@example.com\n",
			wantErrs: []string{`vcard: line 1: expected BEGIN:VCARD, found "name,email"`},
		},
		{
			name: "empty",
			data: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cards, err := Parse(strings.NewReader(tt.data))
			var names []string
			for _, c := range cards {
				names = append(names, c.FormattedName)
			}
			if !reflect.DeepEqual(names, tt.wantNames) {
				t.Errorf("cards %q, want %q", names, tt.wantNames)
			}
			var errs []string
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var cardErr *CardError
					if !errors.As(e, &cardErr) {
						t.Errorf("%v is not a *CardError", e)
					}
					errs = append(errs, e.Error())
				}
			}
			if !reflect.DeepEqual(errs, tt.wantErrs) {
				t.Errorf("errors\n got %q\nwant %q", errs, tt.wantErrs)
			}
		})
	}
}

func TestDecoderNext(t *testing.T) {
	d := NewDecoder(strings.NewReader("BEGIN:VCARD\nFN:Ann\nEND:VCARD\nEND:VCARD\nBEGIN:VCARD\nFN:Bob\nEND:VCARD\n"))
	c, err := d.Next()
	if err != nil || c.FormattedName != "Ann" {
		t.Fatalf("first: %v, %v", c, err)
	}
	_, err = d.Next()
	var cardErr *CardError
	if !errors.As(err, &cardErr) || cardErr.Line != 4 {
		t.Fatalf("second: %v, want a *CardError at line 4", err)
	}
	c, err = d.Next()
	if err != nil || c.FormattedName != "Bob" {
		t.Fatalf("third: %v, %v", c, err)
	}
	if _, err := d.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("fourth: %v, want io.EOF", err)
	}
}

func TestParseUTF16(t *testing.T) {
	s := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:王小明\r\nEND:VCARD\r\n"
	b := []byte{0xFF, 0xFE}
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	cards, err := Parse(strings.NewReader(string(b)))
	if err != nil || len(cards) != 1 || cards[0].FormattedName != "王小明" {
		t.Errorf("Parse = %+v, %v", cards, err)
	}
}
