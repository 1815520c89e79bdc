package csvfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// row is a record or an error as Next returns them.
type row struct {
	line   int
	record []string
	err    string // the error's text, when Next failed
}

// readAll reads records until io.EOF or a final error, going on after
// *LineErrors.
func readAll(t *testing.T, r *Reader) []row {
	t.Helper()
	var rows []row
	for range 100_000 {
		rec, line, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		var lineErr *LineError
		if err != nil && !errors.As(err, &lineErr) {
			t.Fatalf("Next: %v", err)
		}
		if err != nil {
			rows = append(rows, row{line: line, err: err.Error()})
			continue
		}
		rows = append(rows, row{line: line, record: rec})
	}
	t.Fatal("Next never returned io.EOF")
	return nil
}

func mustNewReader(t *testing.T, data []byte, opt Options) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), opt)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return r
}

func TestReader(t *testing.T) {
	big5 := func(s string) []byte { return mustEncode(t, traditionalchinese.Big5, s) }
	gbk := func(s string) []byte { return mustEncode(t, simplifiedchinese.GBK, s) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

	tests := []struct {
		name      string
		data      []byte
		opt       Options
		wantEnc   Encoding
		wantComma rune
		want      []row
	}{
		{
			name:      "UTF-8 with BOM and CRLF",
			data:      []byte("\xEF\xBB\xBFname,phone\r\n王小明,0912345678\r\n"),
			wantEnc:   UTF8,
			wantComma: ',',
			want:      []row{{line: 1, record: []string{"name", "phone"}}, {line: 2, record: []string{"王小明", "0912345678"}}},
		},
		{
			name:      "quoted line breaks keep the line numbers",
			data:      []byte("name,note\n\"Ann\",\"first\r\nsecond\nthird\"\n\nBob,x\n"),
			wantEnc:   UTF8,
			wantComma: ',',
			want: []row{
				{line: 1, record: []string{"name", "note"}},
				{line: 2, record: []string{"Ann", "first\nsecond\nthird"}},
				{line: 6, record: []string{"Bob", "x"}},
			},
		},
		{
			name:      "uneven rows",
			data:      []byte("a,b,c\n1\n1,2,3,4\n"),
			wantEnc:   UTF8,
			wantComma: ',',
			want:      []row{{line: 1, record: []string{"a", "b", "c"}}, {line: 2, record: []string{"1"}}, {line: 3, record: []string{"1", "2", "3", "4"}}},
		},
		{
			name:      "Excel Unicode text: UTF-16LE with BOM, tabs",
			data:      cat([]byte{0xFF, 0xFE}, utf16Bytes("姓名\t電話\r\n陳美玲\t02-2345-6789\r\n", false)),
			wantEnc:   UTF16LE,
			wantComma: '\t',
			want:      []row{{line: 1, record: []string{"姓名", "電話"}}, {line: 2, record: []string{"陳美玲", "02-2345-6789"}}},
		},
		{
			name:      "UTF-16BE with BOM and a character outside the BMP",
			data:      cat([]byte{0xFE, 0xFF}, utf16Bytes("name;note\n𠀀;ok\n", true)),
			wantEnc:   UTF16BE,
			wantComma: ';',
			want:      []row{{line: 1, record: []string{"name", "note"}}, {line: 2, record: []string{"𠀀", "ok"}}},
		},
		{
			name:      "semicolons, with commas inside quotes",
			data:      []byte("\"Name, full\";Price\nAnn;\"1,5\"\n"),
			wantEnc:   UTF8,
			wantComma: ';',
			want:      []row{{line: 1, record: []string{"Name, full", "Price"}}, {line: 2, record: []string{"Ann", "1,5"}}},
		},
		{
			name:      "Big5, detected",
			data:      big5("姓名,電話,地址\r\n張志豪,02-2345-6789,台北市大安區忠孝東路四段100號\r\n許功蓋,0912-000-111,\"新北市板橋區文化路一段\"\r\n"),
			wantEnc:   Big5,
			wantComma: ',',
			want: []row{
				{line: 1, record: []string{"姓名", "電話", "地址"}},
				{line: 2, record: []string{"張志豪", "02-2345-6789", "台北市大安區忠孝東路四段100號"}},
				// 許 and 功 end in 0x5C, the backslash: harmless to CSV.
				{line: 3, record: []string{"許功蓋", "0912-000-111", "新北市板橋區文化路一段"}},
			},
		},
		{
			name:      "GBK, given as an alias",
			data:      gbk("姓名\t电话\n张伟\t010-12345678\n"),
			opt:       Options{Encoding: "GBK"},
			wantEnc:   GB18030,
			wantComma: '\t',
			want:      []row{{line: 1, record: []string{"姓名", "电话"}}, {line: 2, record: []string{"张伟", "010-12345678"}}},
		},
		{
			name:      "GB18030 U+FFFD written on purpose is text",
			data:      []byte("a,b\n" + gb18030ReplacementChar + ",x\n"),
			opt:       Options{Encoding: GB18030},
			wantEnc:   GB18030,
			wantComma: ',',
			want:      []row{{line: 1, record: []string{"a", "b"}}, {line: 2, record: []string{"\uFFFD", "x"}}},
		},
		{
			name:      "a byte order mark overrides the encoding given",
			data:      []byte("\xEF\xBB\xBFname\n王小明\n"),
			opt:       Options{Encoding: Big5},
			wantEnc:   UTF8,
			wantComma: ',',
			want:      []row{{line: 1, record: []string{"name"}}, {line: 2, record: []string{"王小明"}}},
		},
		{
			name: "invalid Big5 fails its record only",
			data: cat(big5("姓名,電話\r\n王小明,1\r\n"), []byte("\xA4,2\r\n\"multi\r\nline\xFF\",3\r\n"), big5("陳美玲,4\r\n")),
			opt:  Options{Encoding: Big5},
			want: []row{
				{line: 1, record: []string{"姓名", "電話"}},
				{line: 2, record: []string{"王小明", "1"}},
				{line: 3, err: "line 3: the bytes are not valid Big5; choose another encoding"},
				{line: 4, err: "line 5: the bytes are not valid Big5; choose another encoding"},
				{line: 6, record: []string{"陳美玲", "4"}},
			},
			wantEnc:   Big5,
			wantComma: ',',
		},
		{
			name: "Big5 read as UTF-8",
			data: cat([]byte("name,phone\n"), big5("王小明,1\n"), []byte("Ann,2\n")),
			opt:  Options{Encoding: UTF8},
			want: []row{
				{line: 1, record: []string{"name", "phone"}},
				{line: 2, err: "line 2: the bytes are not valid UTF-8; choose another encoding"},
				{line: 3, record: []string{"Ann", "2"}},
			},
			wantEnc:   UTF8,
			wantComma: ',',
		},
		{
			name: "NUL byte",
			data: []byte("a,b\nx\x00y,1\nz,2\n"),
			want: []row{
				{line: 1, record: []string{"a", "b"}},
				{line: 2, err: "line 2: " + ErrNUL.Error()},
				{line: 3, record: []string{"z", "2"}},
			},
			wantEnc:   UTF8,
			wantComma: ',',
		},
		{
			name: "bare quote",
			data: []byte("a,b\nx,y\"z\nc,d\n"),
			want: []row{
				{line: 1, record: []string{"a", "b"}},
				{line: 2, err: `line 2: bare " in non-quoted-field`},
				{line: 3, record: []string{"c", "d"}},
			},
			wantEnc:   UTF8,
			wantComma: ',',
		},
		{
			name: "unpaired surrogate in UTF-16",
			data: cat([]byte{0xFF, 0xFE}, utf16Bytes("a\n", false), []byte{0x00, 0xD8, 'b', 0}, utf16Bytes("\nc\n", false), []byte{'d'}),
			want: []row{
				{line: 1, record: []string{"a"}},
				{line: 2, err: "line 2: the bytes are not valid UTF-16LE; choose another encoding"},
				{line: 3, record: []string{"c"}},
				{line: 4, err: "line 4: the bytes are not valid UTF-16LE; choose another encoding"},
			},
			wantEnc:   UTF16LE,
			wantComma: ',',
		},
		{
			name: "quote never closed",
			data: []byte("a\n\"b\nc\n"),
			want: []row{
				{line: 1, record: []string{"a"}},
				{line: 2, err: `line 3: extraneous or missing " in quoted-field`},
			},
			wantEnc:   UTF8,
			wantComma: ',',
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustNewReader(t, tt.data, tt.opt)
			if r.Encoding() != tt.wantEnc || r.Comma() != tt.wantComma {
				t.Errorf("encoding %q, comma %q; want %q, %q", r.Encoding(), r.Comma(), tt.wantEnc, tt.wantComma)
			}
			if got := readAll(t, r); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestReaderErrorsUnwrap(t *testing.T) {
	r := mustNewReader(t, []byte("a\"b\n"), Options{})
	_, _, err := r.Next()
	if !errors.Is(err, csv.ErrBareQuote) {
		t.Errorf("err = %v, want csv.ErrBareQuote", err)
	}
	r = mustNewReader(t, []byte("\xFF\n"), Options{Encoding: UTF8})
	_, _, err = r.Next()
	var encErr *EncodingError
	if !errors.As(err, &encErr) || encErr.Encoding != UTF8 {
		t.Errorf("err = %v, want an *EncodingError for UTF-8", err)
	}
}

func TestHeader(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"spaces", " name , email\t,\u3000電話\n", []string{"name", "email", "電話"}},
		{"BOM twice", "\xEF\xBB\xBF\xEF\xBB\xBFname,email\n", []string{"name", "email"}},
		{"BOM read as Windows-1252", "ï»¿name,email\n", []string{"name", "email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustNewReader(t, []byte(tt.data), Options{})
			got, err := r.Header()
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Header = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("empty file", func(t *testing.T) {
		r := mustNewReader(t, nil, Options{})
		if _, err := r.Header(); !errors.Is(err, io.EOF) {
			t.Errorf("Header = %v, want io.EOF", err)
		}
	})
	t.Run("after Next", func(t *testing.T) {
		r := mustNewReader(t, []byte("a\nb\n"), Options{})
		r.Next()
		if _, err := r.Header(); err == nil {
			t.Error("Header after Next gave no error")
		}
	})
}

func TestNewReaderOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		ok   bool
	}{
		{"defaults", Options{}, true},
		{"tab", Options{Comma: '\t'}, true},
		{"alias", Options{Encoding: "utf8"}, true},
		{"unknown encoding", Options{Encoding: "latin1"}, false},
		{"quote as comma", Options{Comma: '"'}, false},
		{"newline as comma", Options{Comma: '\n'}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader("a,b\n"), tt.opt)
			if (err == nil) != tt.ok {
				t.Errorf("NewReader: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// A file larger than the detection window is read whole, and an invalid
// byte past the window is still caught on its line.
func TestReaderLongFile(t *testing.T) {
	var b bytes.Buffer
	for i := range 5000 {
		if i == 4000 {
			b.WriteString("\xFF,bad\n")
			continue
		}
		b.WriteString("王小明,0912345678,台北市信義區信義路五段7號\n")
	}
	r := mustNewReader(t, b.Bytes(), Options{})
	if r.Encoding() != UTF8 {
		t.Fatalf("encoding %q", r.Encoding())
	}
	rows := readAll(t, r)
	if len(rows) != 5000 {
		t.Fatalf("%d rows, want 5000", len(rows))
	}
	for i, row := range rows {
		if row.line != i+1 {
			t.Fatalf("row %d at line %d", i, row.line)
		}
		if (row.err != "") != (i == 4000) {
			t.Errorf("row %d: %q", i, row.err)
		}
	}
}

func TestDetectComma(t *testing.T) {
	tests := []struct {
		text string
		want rune
	}{
		{"a,b,c\n", ','},
		{"a\tb\tc\n", '\t'},
		{"a;b;c\n", ';'},
		{"\"a;b;c\",d\n", ','},
		{"a;b,c\n", ','},
		{"single\nx;y;z\n", ','},
		{"", ','},
		{"a\t\"x,y,z\"\tb", '\t'},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := detectComma([]byte(tt.text)); got != tt.want {
				t.Errorf("detectComma = %q, want %q", got, tt.want)
			}
		})
	}
}
