package vcard

import (
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// decodeCharset turns a value in the CHARSET a vCard 2.1 (or 3.0) property
// names into UTF-8. No CHARSET means UTF-8, which is what 3.0 and 4.0
// require and what 2.1 writers use in practice.
func decodeCharset(charset, s string) (string, error) {
	enc, err := charsetEncoding(charset)
	if err != nil || enc == nil {
		return s, err
	}
	out, err := enc.NewDecoder().String(s)
	// The decoders write U+FFFD for bytes the charset does not have.
	if err != nil || strings.ContainsRune(out, '\uFFFD') {
		return "", fmt.Errorf("the value is not valid %s", charset)
	}
	return out, nil
}

// charsetEncoding returns the decoder of a charset, or nil for UTF-8. GBK
// and GB2312 are read as GB18030, which contains them.
func charsetEncoding(charset string) (encoding.Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return nil, nil
	case "iso-8859-1", "iso8859-1", "latin1":
		return charmap.ISO8859_1, nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252, nil
	case "big5", "big-5", "cp950", "big5-hkscs":
		return traditionalchinese.Big5, nil
	case "gbk", "gb2312", "gb18030", "cp936":
		return simplifiedchinese.GB18030, nil
	case "shift_jis", "shift-jis", "sjis", "cp932", "windows-31j":
		return japanese.ShiftJIS, nil
	}
	enc, err := ianaindex.IANA.Encoding(charset)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("unknown CHARSET %q", charset)
	}
	return enc, nil
}
