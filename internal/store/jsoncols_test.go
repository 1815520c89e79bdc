package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// The decoders promise the result of unmarshalAll on a single column: the
// zero value for the documents it skips, json.Unmarshal's value and error for
// any other.
func referenceDecode[T any](raw []byte) (T, error) {
	var v T
	switch string(raw) {
	case "", "[]", "{}", "null":
		return v, nil
	}
	err := json.Unmarshal(raw, &v)
	return v, err
}

// checkSameAsStd fails t unless decode gives on raw what referenceDecode
// gives: the same value (reflect.DeepEqual, so nil and empty slices differ and
// times must match to the location) and the same error text.
func checkSameAsStd[T any](t *testing.T, decode func([]byte) (T, error), raw []byte) {
	t.Helper()
	want, wantErr := referenceDecode[T](raw)
	got, err := decode(raw)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Errorf("%q: error %v, encoding/json gives %v", raw, err, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%q: differs from encoding/json (-json +got):\n%s", raw, cmp.Diff(want, got))
	}
}

// decodeCase is a table test of one decoder: the decoder must give want
// (and an error when wantErr), and whatever encoding/json gives.
type decodeCase[T any] struct {
	name    string
	in      string
	want    T
	wantErr bool
}

func runDecodeCases[T any](t *testing.T, decode func([]byte) (T, error), cases []decodeCase[T]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decode([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Errorf("error %v, want error: %t", err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("(-want +got):\n%s", cmp.Diff(tc.want, got))
			}
			checkSameAsStd(t, decode, []byte(tc.in))
		})
	}
}

// malformed are documents encoding/json rejects whatever the shape.
var malformed = []string{
	`[`, `[{`, `[{"address"`, `[{"address":`, `[{"address":"x"`, `[{"address":"x"}`,
	`[{"address":"x"},]`, `[,{"address":"x"}]`, `[{"address":"x",}]`, `[{"address" "x"}]`,
	`[{"address":"x"}]x`, `[{"address":"x"}] []`, `{"email":{}}}`, `[{"address":"x\q"}]`,
	`["\u12"]`, `["\u12G4"]`, "[\"a\x01b\"]", "[\"tab\tinside\"]", `["unterminated]`, `[nul]`, `[nulls]`,
	`[tru]`, `[01]`, `[1.]`, `[.5]`, `[1e]`, `[-]`, `[+1]`, `[0x10]`, `[NaN]`, "\xef\xbb\xbf[]",
	"[\x00]", `[{"a":1}{"b":2}]`, `{"email":{"at":"2023-02-17T16:13:43Z",}}`, `['x']`, ` `,
}

func TestDecodeEmails(t *testing.T) {
	cases := []decodeCase[[]customer.Email]{
		{name: "compact", in: `[{"address":"jacksmith@yahoo.example","label":"home"}]`,
			want: []customer.Email{{Address: "jacksmith@yahoo.example", Label: "home"}}},
		{name: "several", in: `[{"address":"a@x.example"},{"address":"b@x.example","label":"work"}]`,
			want: []customer.Email{{Address: "a@x.example"}, {Address: "b@x.example", Label: "work"}}},
		{name: "spaced", in: " [ {\"address\" : \"a@x.example\" ,\n\t\"label\" : \"work\"} , { } ]\r\n",
			want: []customer.Email{{Address: "a@x.example", Label: "work"}, {}}},
		{name: "escapes", in: `[{"address":"\"王\"\\\/\b\f\n\r\t\u738b\ud83d\ude00\u003c\u0026"}]`,
			want: []customer.Email{{Address: "\"王\"\\/\b\f\n\r\t王😀<&"}}},
		{name: "escaped key", in: `[{"addr\u0065ss":"a@x.example"}]`, want: []customer.Email{{Address: "a@x.example"}}},
		{name: "lone surrogates", in: `[{"address":"\ud83d|\ude00|\ud83d\u0041|\ud83d\ud83d\ude00"}]`,
			want: []customer.Email{{Address: "\ufffd|\ufffd|\ufffdA|\ufffd😀"}}},
		{name: "invalid UTF-8", in: "[{\"address\":\"a\xffb\xe7\x8e\"}]", want: []customer.Email{{Address: "a\ufffdb\ufffd\ufffd"}}},
		{name: "unknown keys", in: `[{"primary":true,"address":"a@x.example","meta":{"n":[1,-2.5e+3,null,"x\"y"]},"z":null}]`,
			want: []customer.Email{{Address: "a@x.example"}}},
		{name: "other case key", in: `[{"Address":"a@x.example","LABEL":"home"}]`,
			want: []customer.Email{{Address: "a@x.example", Label: "home"}}},
		{name: "folded key", in: `[{"addreſs":"a@x.example"}]`, want: []customer.Email{{Address: "a@x.example"}}},
		{name: "escaped other case key", in: `[{"\u0041ddress":"a@x.example"}]`, want: []customer.Email{{Address: "a@x.example"}}},
		{name: "non-ASCII unknown key", in: `[{"地址":"x","address":"a@x.example"}]`, want: []customer.Email{{Address: "a@x.example"}}},
		{name: "deeply nested unknown", in: `[{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"address":"a"}]`,
			want: []customer.Email{{Address: "a"}}},
		{name: "too deeply nested", in: `[{"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}]`, wantErr: true},
		{name: "null values", in: `[{"address":null,"label":"home"},null]`, want: []customer.Email{{Label: "home"}, {}}},
		{name: "null keeps earlier value", in: `[{"address":"a@x.example","address":null}]`,
			want: []customer.Email{{Address: "a@x.example"}}},
		{name: "repeated key", in: `[{"address":"a@x.example","address":"b@x.example"}]`,
			want: []customer.Email{{Address: "b@x.example"}}},
		{name: "empty string", in: `[{"address":"","label":""}]`, want: []customer.Email{{}}},
		{name: "empty", in: ``},
		{name: "empty array", in: `[]`},
		{name: "empty object", in: `{}`},
		{name: "null", in: `null`},
		{name: "spaced null", in: ` null `},
		{name: "spaced empty array", in: `[ ]`, want: []customer.Email{}},
		{name: "wrong type", in: `[{"address":42,"label":"home"}]`, want: []customer.Email{{Label: "home"}}, wantErr: true},
		{name: "not an array", in: `{"address":"a@x.example"}`, wantErr: true},
		{name: "string element", in: `["a@x.example",{"address":"b"}]`, want: []customer.Email{{}, {Address: "b"}}, wantErr: true},
		{name: "trailing garbage", in: `[{"address":"a@x.example"}]]`, wantErr: true},
	}
	runDecodeCases(t, decodeEmails, cases)
	for _, in := range malformed {
		checkSameAsStd(t, decodeEmails, []byte(in))
	}
}

func TestDecodePhones(t *testing.T) {
	cases := []decodeCase[[]customer.Phone]{
		{name: "compact", in: `[{"number":"+447700900731","label":"mobile"},{"number":"+441614960186","ext":"443","label":"work"}]`,
			want: []customer.Phone{{Number: "+447700900731", Label: "mobile"}, {Number: "+441614960186", Ext: "443", Label: "work"}}},
		{name: "jsonb", in: `[{"ext": "443", "label": "work", "number": "+441614960186"}]`,
			want: []customer.Phone{{Number: "+441614960186", Ext: "443", Label: "work"}}},
		{name: "escapes", in: `[{"number":"(02) 2345\u20136789","ext":"\"1\"","label":"\u5206\u6a5f"}]`,
			want: []customer.Phone{{Number: "(02) 2345–6789", Ext: `"1"`, Label: "分機"}}},
		{name: "unknown keys", in: `[{"number":"+1","verified":false,"tags":[[],{}]}]`, want: []customer.Phone{{Number: "+1"}}},
		{name: "null values", in: `[{"number":"+1","ext":null,"label":null}]`, want: []customer.Phone{{Number: "+1"}}},
		{name: "null", in: `null`},
		{name: "empty array", in: `[]`},
		{name: "number as number", in: `[{"number":447700900731}]`, want: []customer.Phone{{}}, wantErr: true},
		{name: "unterminated", in: `[{"number":"+1"`, wantErr: true},
	}
	runDecodeCases(t, decodePhones, cases)
	for _, in := range malformed {
		checkSameAsStd(t, decodePhones, []byte(in))
	}
}

func TestDecodeAnniversaries(t *testing.T) {
	cases := []decodeCase[[]customer.Anniversary]{
		{name: "compact", in: `[{"label":"wedding","date":"2019-10-10"},{"label":"結婚","date":"--02-29"}]`,
			want: []customer.Anniversary{{Label: "wedding", Date: "2019-10-10"}, {Label: "結婚", Date: "--02-29"}}},
		{name: "spaced", in: `[ { "label" : "wedding" , "date" : "2019-10-10" } ]`,
			want: []customer.Anniversary{{Label: "wedding", Date: "2019-10-10"}}},
		{name: "escapes", in: `[{"label":"\u7d50\u5a5a \"10\"","date":"2019\/10\/10"}]`,
			want: []customer.Anniversary{{Label: `結婚 "10"`, Date: "2019/10/10"}}},
		{name: "unknown keys", in: `[{"label":"x","recurring":true,"remind_days":[1,7]}]`,
			want: []customer.Anniversary{{Label: "x"}}},
		{name: "null values", in: `[{"label":null,"date":"2019-10-10"}]`, want: []customer.Anniversary{{Date: "2019-10-10"}}},
		{name: "empty", in: ``},
		{name: "date as number", in: `[{"label":"x","date":20191010}]`, want: []customer.Anniversary{{Label: "x"}}, wantErr: true},
		{name: "bad literal", in: `[{"label":nul}]`, wantErr: true},
	}
	runDecodeCases(t, decodeAnniversaries, cases)
	for _, in := range malformed {
		checkSameAsStd(t, decodeAnniversaries, []byte(in))
	}
}

func TestDecodeStrings(t *testing.T) {
	cases := []decodeCase[[]string]{
		{name: "compact", in: `["VIP","素食"]`, want: []string{"VIP", "素食"}},
		{name: "postgres", in: `["VIP", "素食"]`, want: []string{"VIP", "素食"}},
		{name: "spaced", in: "[\n  \"VIP\",\n  \"素食\"\n]", want: []string{"VIP", "素食"}},
		{name: "escapes", in: `["\"quoted\"","\u738b","\ud83d\ude00","a\\b","\u2028"]`,
			want: []string{`"quoted"`, "王", "😀", `a\b`, "\u2028"}},
		{name: "empty strings", in: `["",""]`, want: []string{"", ""}},
		{name: "null element", in: `["a",null]`, want: []string{"a", ""}},
		{name: "null", in: `null`},
		{name: "empty array", in: `[]`},
		{name: "spaced empty array", in: "[\n]", want: []string{}},
		{name: "number element", in: `["a",1,"b"]`, want: []string{"a", "", "b"}, wantErr: true},
		{name: "nested array", in: `[["a"]]`, want: []string{""}, wantErr: true},
		{name: "object", in: `{"a":"b"}`, wantErr: true},
		{name: "bare string", in: `"a"`, wantErr: true},
	}
	runDecodeCases(t, decodeStrings, cases)
	for _, in := range malformed {
		checkSameAsStd(t, decodeStrings, []byte(in))
	}
}

func TestDecodeCompanyRefs(t *testing.T) {
	cases := []decodeCase[[]customer.CompanyRef]{
		{name: "compact", in: `[{"company_id":12,"name":"台灣積體電路","title":"採購經理","buying_role":"purchasing"}]`,
			want: []customer.CompanyRef{{CompanyID: 12, Name: "台灣積體電路", Title: "採購經理", BuyingRole: customer.RolePurchasing}}},
		{name: "postgres json_build_object", in: `[{"company_id" : 12, "name" : "x", "title" : "", "buying_role" : ""}, {"company_id" : 7, "name" : "y", "title" : null, "buying_role" : null}]`,
			want: []customer.CompanyRef{{CompanyID: 12, Name: "x"}, {CompanyID: 7, Name: "y"}}},
		{name: "escapes", in: `[{"company_id":1,"name":"AT\u0026T \"US\"","title":"VP \\ Sales"}]`,
			want: []customer.CompanyRef{{CompanyID: 1, Name: `AT&T "US"`, Title: `VP \ Sales`}}},
		{name: "int64 limits", in: `[{"company_id":9223372036854775807},{"company_id":-9223372036854775808},{"company_id":-0},{"company_id":0}]`,
			want: []customer.CompanyRef{{CompanyID: math.MaxInt64}, {CompanyID: math.MinInt64}, {}, {}}},
		{name: "unknown keys", in: `[{"company_id":3,"since":"2020-01-01","score":0.5e-3,"x":[true,false]}]`,
			want: []customer.CompanyRef{{CompanyID: 3}}},
		{name: "null values", in: `[{"company_id":null,"name":"x"}]`, want: []customer.CompanyRef{{Name: "x"}}},
		{name: "other case key", in: `[{"Company_ID":5}]`, want: []customer.CompanyRef{{CompanyID: 5}}},
		{name: "overflow", in: `[{"company_id":9223372036854775808,"name":"x"}]`, want: []customer.CompanyRef{{Name: "x"}}, wantErr: true},
		{name: "fraction", in: `[{"company_id":1.0}]`, want: []customer.CompanyRef{{}}, wantErr: true},
		{name: "exponent", in: `[{"company_id":1e2}]`, want: []customer.CompanyRef{{}}, wantErr: true},
		{name: "leading zero", in: `[{"company_id":012}]`, wantErr: true},
		{name: "string id", in: `[{"company_id":"12"}]`, want: []customer.CompanyRef{{}}, wantErr: true},
		{name: "empty", in: `[]`},
	}
	runDecodeCases(t, decodeCompanyRefs, cases)
	for _, in := range malformed {
		checkSameAsStd(t, decodeCompanyRefs, []byte(in))
	}
}

func TestDecodeConsent(t *testing.T) {
	at := func(s string) *time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &tm
	}
	cases := []decodeCase[customer.Consent]{
		{name: "compact", in: `{"email":{"status":"granted","at":"2023-02-17T16:13:43Z","source":"import"},"sms":{"status":"denied"}}`,
			want: customer.Consent{
				Email: customer.ChannelConsent{Status: customer.ConsentGranted, At: at("2023-02-17T16:13:43Z"), Source: "import"},
				SMS:   customer.ChannelConsent{Status: customer.ConsentDenied}}},
		{name: "jsonb", in: `{"phone": {"at": "2024-12-12T10:27:31.123456789+08:00", "source": "phone", "status": "granted"}}`,
			want: customer.Consent{Phone: customer.ChannelConsent{Status: customer.ConsentGranted,
				At: at("2024-12-12T10:27:31.123456789+08:00"), Source: "phone"}}},
		{name: "spaced", in: "{ \"messaging\" : { \"status\" : \"granted\" , \"source\" : \"whatsapp\" } }",
			want: customer.Consent{Messaging: customer.ChannelConsent{Status: customer.ConsentGranted, Source: "whatsapp"}}},
		{name: "escapes", in: `{"email":{"source":"web\/form \"A\" \u738b \ud83d\ude00"}}`,
			want: customer.Consent{Email: customer.ChannelConsent{Source: `web/form "A" 王 😀`}}},
		{name: "unknown keys", in: `{"fax":{"status":"granted"},"email":{"ip":"192.0.2.1","status":"denied","history":[{"at":1}]}}`,
			want: customer.Consent{Email: customer.ChannelConsent{Status: customer.ConsentDenied}}},
		{name: "at null", in: `{"email":{"at":null,"status":"granted"}}`,
			want: customer.Consent{Email: customer.ChannelConsent{Status: customer.ConsentGranted}}},
		{name: "at null after a time", in: `{"email":{"at":"2023-02-17T16:13:43Z","at":null}}`},
		{name: "channel null", in: `{"email":null,"sms":{"status":"granted"}}`,
			want: customer.Consent{SMS: customer.ChannelConsent{Status: customer.ConsentGranted}}},
		{name: "repeated channel merges", in: `{"email":{"status":"granted"},"email":{"source":"api"}}`,
			want: customer.Consent{Email: customer.ChannelConsent{Status: customer.ConsentGranted, Source: "api"}}},
		{name: "empty", in: ``},
		{name: "empty object", in: `{}`},
		{name: "spaced empty object", in: ` { } `},
		{name: "empty array", in: `[]`},
		{name: "null", in: `null`},
		{name: "other case channel", in: `{"EMAIL":{"status":"granted"}}`,
			want: customer.Consent{Email: customer.ChannelConsent{Status: customer.ConsentGranted}}},
		{name: "bad time", in: `{"email":{"status":"granted","at":"2023-02-30T16:13:43Z"}}`,
			want: customer.Consent{Email: customer.ChannelConsent{Status: customer.ConsentGranted, At: &time.Time{}}}, wantErr: true},
		{name: "escaped time", in: `{"email":{"at":"2023-02-17T16:13:43\u005a"}}`,
			want: customer.Consent{Email: customer.ChannelConsent{At: &time.Time{}}}, wantErr: true},
		{name: "time as number", in: `{"email":{"at":1676650423}}`,
			want: customer.Consent{Email: customer.ChannelConsent{At: &time.Time{}}}, wantErr: true},
		{name: "channel as string", in: `{"email":"granted"}`, wantErr: true},
		{name: "array", in: `[{"email":{}}]`, wantErr: true},
	}
	runDecodeCases(t, decodeConsent, cases)
	for _, in := range malformed {
		checkSameAsStd(t, decodeConsent, []byte(in))
	}
}

// TestDecodeColumnsFastPath checks that the usual documents do not fall back
// to encoding/json (which would still pass the other tests, only slowly), by
// counting allocations: one copy of the document for its strings, the slice,
// one time.Time per consent time, and for strings with escapes a buffer to
// unescape them and a string each.
// json.Unmarshal needs at least five on any of them.
func TestDecodeColumnsFastPath(t *testing.T) {
	for _, tc := range []struct {
		name   string
		decode func([]byte) error
		in     string
		allocs float64
	}{
		{"emails", discard(decodeEmails), benchEmails, 2},
		{"phones", discard(decodePhones), benchPhones, 2},
		{"consent", discard(decodeConsent), benchConsent, 4},
		{"tags", discard(decodeStrings), benchTags, 2},
		{"companies", discard(decodeCompanyRefs), benchCompanies, 2},
		{"anniversaries", discard(decodeAnniversaries), `[{"label":"wedding","date":"2019-10-10"}]`, 2},
		{"postgres", discard(decodeCompanyRefs), `[{"company_id" : 12, "name" : "x", "title" : "", "buying_role" : ""}]`, 2},
		{"unknown keys", discard(decodeEmails), `[{"address":"a","extra":{"b":[1,true,null,"c"]}}]`, 2},
		{"escapes", discard(decodeStrings), `["AT\u0026T","\"Q\"","plain"]`, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(tc.in)
			if err := tc.decode(raw); err != nil {
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(100, func() { tc.decode(raw) }); n > tc.allocs {
				t.Errorf("%v allocations, want at most %v: does it fall back to encoding/json?", n, tc.allocs)
			}
		})
	}
}

func discard[T any](decode func([]byte) (T, error)) func([]byte) error {
	return func(raw []byte) error {
		_, err := decode(raw)
		return err
	}
}

// TestDecodeColumnsMarshalled decodes what json.Marshal writes for varied
// values, compact and re-spaced as PostgreSQL or jsonb would write it, with
// unknown members mixed in, and compares with json.Unmarshal.
func TestDecodeColumnsMarshalled(t *testing.T) {
	g := &valueGen{rand.New(rand.NewPCG(1, 2))}
	for i := range 3000 {
		var docs [][]byte
		for _, v := range []any{g.emails(), g.phones(), g.anniversaries(), g.strings(), g.companyRefs(), g.consent()} {
			doc, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, doc)
		}
		for j, doc := range docs {
			switch i % 4 {
			case 1:
				doc = g.respace(doc)
			case 2:
				doc = g.addUnknown(doc)
			case 3:
				doc = g.respace(g.addUnknown(doc))
			}
			docs[j] = doc
		}
		checkSameAsStd(t, decodeEmails, docs[0])
		checkSameAsStd(t, decodePhones, docs[1])
		checkSameAsStd(t, decodeAnniversaries, docs[2])
		checkSameAsStd(t, decodeStrings, docs[3])
		checkSameAsStd(t, decodeCompanyRefs, docs[4])
		checkSameAsStd(t, decodeConsent, docs[5])
		if t.Failed() {
			return
		}
	}
}

// valueGen makes varied values of the column types.
type valueGen struct{ r *rand.Rand }

// textPieces are what strings are made of: plain text, Chinese, what
// json.Marshal escapes (quotes, backslashes, control characters, < > &,
// U+2028), what it replaces (invalid UTF-8) and what needs a surrogate pair.
var textPieces = []string{
	"a", "Ann", "lee@example.com", " ", "+886912345678", "王", "素食", "台灣積體電路", "😀", "\"", "\\", "/",
	"\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f", "\x7f", "<", ">", "&", "\u2028", "\u2029", "\ufffd",
	"\xff", "\xe7\x8e", "é", "'",
}

func (g *valueGen) string() string {
	if g.r.IntN(5) == 0 {
		return ""
	}
	var b strings.Builder
	for range 1 + g.r.IntN(6) {
		b.WriteString(textPieces[g.r.IntN(len(textPieces))])
	}
	return b.String()
}

func (g *valueGen) count() int { return g.r.IntN(4) }

func (g *valueGen) emails() []customer.Email {
	var v []customer.Email
	for range g.count() {
		v = append(v, customer.Email{Address: g.string(), Label: g.string()})
	}
	return v
}

func (g *valueGen) phones() []customer.Phone {
	var v []customer.Phone
	for range g.count() {
		v = append(v, customer.Phone{Number: g.string(), Ext: g.string(), Label: g.string()})
	}
	return v
}

func (g *valueGen) anniversaries() []customer.Anniversary {
	var v []customer.Anniversary
	for range g.count() {
		v = append(v, customer.Anniversary{Label: g.string(), Date: g.string()})
	}
	return v
}

func (g *valueGen) strings() []string {
	var v []string
	for range g.count() {
		v = append(v, g.string())
	}
	return v
}

func (g *valueGen) companyRefs() []customer.CompanyRef {
	ids := []int64{0, 1, -1, 12, math.MaxInt64, math.MinInt64, 1e15}
	var v []customer.CompanyRef
	for range g.count() {
		id := g.r.Int64()
		if g.r.IntN(2) == 0 {
			id = ids[g.r.IntN(len(ids))]
		}
		v = append(v, customer.CompanyRef{CompanyID: id, Name: g.string(), Title: g.string(),
			BuyingRole: customer.BuyingRole(g.string())})
	}
	return v
}

func (g *valueGen) consent() customer.Consent {
	return customer.Consent{Email: g.channel(), SMS: g.channel(), Phone: g.channel(), Messaging: g.channel()}
}

func (g *valueGen) channel() customer.ChannelConsent {
	if g.r.IntN(3) == 0 {
		return customer.ChannelConsent{}
	}
	statuses := []customer.ConsentStatus{customer.ConsentUnknown, customer.ConsentGranted, customer.ConsentDenied, "x\"y"}
	c := customer.ChannelConsent{Status: statuses[g.r.IntN(len(statuses))], Source: g.string()}
	if g.r.IntN(4) != 0 {
		zones := []*time.Location{time.UTC, time.FixedZone("", 8*3600), time.FixedZone("", -(5*3600 + 1800)),
			time.FixedZone("", 14*3600)}
		tm := time.Unix(g.r.Int64N(10_000_000_000)-2_000_000_000, 0).In(zones[g.r.IntN(len(zones))])
		if g.r.IntN(2) == 0 {
			tm = tm.Add(time.Duration(g.r.IntN(1e9)))
		}
		c.At = &tm
	}
	return c
}

// respace adds whitespace around the tokens of a compact document, sometimes
// as PostgreSQL's json functions do (" : ", ", "), sometimes at random.
func (g *valueGen) respace(doc []byte) []byte {
	space := func() string {
		if g.r.IntN(2) == 0 {
			return " "
		}
		ws := []string{"", " ", "\t", "\n", "\r\n", "  "}
		return ws[g.r.IntN(len(ws))]
	}
	var b bytes.Buffer
	b.WriteString(space())
	inString, escaped := false, false
	for _, c := range doc {
		switch {
		case inString:
			b.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
			b.WriteByte(c)
		case strings.IndexByte("{}[],:", c) >= 0:
			b.WriteString(space())
			b.WriteByte(c)
			b.WriteString(space())
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString(space())
	return b.Bytes()
}

// addUnknown inserts members the shapes do not know into some objects of a
// compact document.
func (g *valueGen) addUnknown(doc []byte) []byte {
	var b bytes.Buffer
	inString, escaped := false, false
	for i, c := range doc {
		b.WriteByte(c)
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' && g.r.IntN(2) == 0:
			keys := []string{"extra", "x", "addresses", "at_", "", "é", "\\u0041"}
			fmt.Fprintf(&b, "%q:%s", keys[g.r.IntN(len(keys))], g.anyJSON(0))
			if doc[i+1] != '}' {
				b.WriteByte(',')
			}
		}
	}
	return b.Bytes()
}

// anyJSON returns a random JSON value.
func (g *valueGen) anyJSON(depth int) string {
	n := 6
	if depth < 3 {
		n = 8
	}
	switch g.r.IntN(n) {
	case 0:
		return "null"
	case 1:
		return []string{"true", "false"}[g.r.IntN(2)]
	case 2:
		return []string{"0", "-1", "12.5", "-0.0e+10", "1E3", "123456789012345678901234567890"}[g.r.IntN(6)]
	case 3, 4, 5:
		s, _ := json.Marshal(g.string())
		return string(s)
	case 6:
		var parts []string
		for range g.count() {
			parts = append(parts, g.anyJSON(depth+1))
		}
		return "[" + strings.Join(parts, ",") + "]"
	default:
		var parts []string
		for range g.count() {
			k, _ := json.Marshal(g.string())
			parts = append(parts, string(k)+":"+g.anyJSON(depth+1))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
}

// FuzzDecodeColumns checks every decoder against encoding/json on any input.
func FuzzDecodeColumns(f *testing.F) {
	for _, seed := range []string{
		benchEmails, benchPhones, benchConsent, benchTags, benchCompanies,
		`[{"label":"wedding","date":"2019-10-10"}]`,
		`[{"company_id" : 12, "name" : "x", "title" : "", "buying_role" : ""}]`,
		`{"email": {"at": "2024-12-12T10:27:31.5+08:00", "status": "granted"}, "sms": null}`,
		`["\"q\"","\u738b","\ud83d\ude00","\ud83d","a\\b\/c\b\f\n\r\t"]`,
		`[{"Address":"x","extra":{"a":[1,2.5e-3,true,false,null,{}]}}]`,
		`[{"company_id":-9223372036854775808},{"company_id":1.5}]`,
		"[\"\xff\"]", `[]`, `{}`, `null`, ``, ` [ ] `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkSameAsStd(t, decodeEmails, raw)
		checkSameAsStd(t, decodePhones, raw)
		checkSameAsStd(t, decodeAnniversaries, raw)
		checkSameAsStd(t, decodeStrings, raw)
		checkSameAsStd(t, decodeCompanyRefs, raw)
		checkSameAsStd(t, decodeConsent, raw)
	})
}

// A typical contact's columns.
const (
	benchEmails    = `[{"address":"jacksmith@yahoo.example","label":"home"}]`
	benchPhones    = `[{"number":"+447700900731","label":"mobile"},{"number":"+441614960186","ext":"443","label":"work"}]`
	benchConsent   = `{"email":{"status":"granted","at":"2023-02-17T16:13:43Z","source":"import"},"phone":{"status":"granted","at":"2024-12-12T02:27:31Z","source":"phone"},"messaging":{"status":"granted","at":"2023-10-23T16:37:32Z","source":"whatsapp"}}`
	benchTags      = `["VIP","素食"]`
	benchCompanies = `[{"company_id":12,"name":"台灣積體電路","title":"採購經理","buying_role":"purchasing"}]`
)

// BenchmarkDecodeColumns decodes the JSON columns of a typical contact.
func BenchmarkDecodeColumns(b *testing.B) {
	emails, phones, consent, tags, companies :=
		[]byte(benchEmails), []byte(benchPhones), []byte(benchConsent), []byte(benchTags), []byte(benchCompanies)
	b.Run("std", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c customer.Contact
			err := unmarshalAll(jsonField{emails, &c.Emails}, jsonField{phones, &c.Phones},
				jsonField{consent, &c.Consent}, jsonField{tags, &c.Tags}, jsonField{companies, &c.Companies})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c customer.Contact
			var errs [5]error
			c.Emails, errs[0] = decodeEmails(emails)
			c.Phones, errs[1] = decodePhones(phones)
			c.Consent, errs[2] = decodeConsent(consent)
			c.Tags, errs[3] = decodeStrings(tags)
			c.Companies, errs[4] = decodeCompanyRefs(companies)
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
