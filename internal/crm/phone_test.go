package crm

import (
	"slices"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, raw, region string
		want, ext, code   string
	}{
		{"taiwan mobile with dashes", "0912-345-678", "TW", "+886912345678", "", ""},
		{"taiwan landline with area code in parentheses", "(02) 2345-6789", "TW", "+886223456789", "", ""},
		{"taiwan with extension sign", "02-2345-6789 #123", "TW", "+886223456789", "123", ""},
		{"extension as RFC 3966 writes it", "+886223456789;ext=123", "TW", "+886223456789", "123", ""},
		{"taiwan with chinese extension", "02 2345 6789 轉 45", "TW", "+886223456789", "45", ""},
		{"taiwan 分機", "02-2345-6789分機88", "TW", "+886223456789", "88", ""},
		{"full-width digits", "０９１２３４５６７８", "TW", "+886912345678", "", ""},
		{"already international", "+886 912 345 678", "", "+886912345678", "", ""},
		{"international with written trunk", "+44 (0)20 7946 0958", "TW", "+442079460958", "", ""},
		{"china mobile", "138 0013 8000", "CN", "+8613800138000", "", ""},
		{"china 00 prefix", "0086 138 0013 8000", "CN", "+8613800138000", "", ""},
		{"taiwan 002 prefix", "002 1 415 555 0100", "TW", "+14155550100", "", ""},
		{"us national", "(415) 555-0100", "US", "+14155550100", "", ""},
		{"us with trunk 1", "1-415-555-0100 ext. 7", "US", "+14155550100", "7", ""},
		{"us 011 prefix", "011 886 2 2345 6789", "US", "+886223456789", "", ""},
		{"hong kong has no trunk", "9123 4567", "HK", "+85291234567", "", ""},
		{"italy keeps its leading zero", "+39 06 1234 5678", "", "+390612345678", "", ""},
		{"no region and no plus", "0912345678", "", "", "", CodePhoneNeedsCountry},
		{"letters", "0912-ABC-678", "TW", "", "", CodeInvalidPhone},
		{"plus in the middle", "09+12345678", "TW", "", "", CodeInvalidPhone},
		{"too short", "123", "TW", "", "", CodeInvalidPhoneLength},
		{"too long", "+886 1234 5678 9012 345", "", "", "", CodeInvalidPhoneLength},
		{"us wrong length", "+1 415 555 010", "", "", "", CodeInvalidPhoneLength},
		{"empty", "  ", "TW", "", "", CodeInvalidPhone},
		{"bad extension", "0912345678 ext abc", "TW", "", "", CodeInvalidPhone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ext, code := NormalizePhone(tt.raw, tt.region)
			if got != tt.want || ext != tt.ext || code != tt.code {
				t.Errorf("NormalizePhone(%q, %q) = %q, %q, %q; want %q, %q, %q", tt.raw, tt.region, got, ext, code, tt.want, tt.ext, tt.code)
			}
		})
	}
}

func TestPhoneSearchForms(t *testing.T) {
	tests := []struct {
		e164 string
		want []string
	}{
		{"+886912345678", []string{"886912345678", "912345678", "0912345678", "12345678", "2345678", "345678", "45678", "5678"}},
		{"+14155550100", []string{"14155550100", "4155550100", "14155550100", "155550100", "55550100", "5550100", "550100", "50100", "0100"}},
		{"+85291234567", []string{"85291234567", "91234567", "1234567", "234567", "34567", "4567"}},
		{"+8862123", []string{"8862123", "2123", "02123"}},
	}
	for _, tt := range tests {
		t.Run(tt.e164, func(t *testing.T) {
			if got := PhoneSearchForms(tt.e164); !slices.Equal(got, tt.want) {
				t.Errorf("PhoneSearchForms(%q) = %q, want %q", tt.e164, got, tt.want)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ raw, want, code string }{
		{"  Ann.Lee@Example.COM ", "ann.lee@example.com", ""},
		{"王小李@例子.台灣", "王小李@例子.台灣", ""},
		{"ａｎｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ann@example.com", ""},
		{"ann@localhost", "", CodeInvalidEmail},
		{"Ann <ann@example.com>", "", CodeInvalidEmail},
		{"ann@@example.com", "", CodeInvalidEmail},
		{"@example.com", "", CodeInvalidEmail},
		{"ann@example..com", "", CodeInvalidEmail},
		{"ann lee@example.com", "", CodeInvalidEmail},
		{"", "", CodeInvalidEmail},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, code := NormalizeEmail(tt.raw)
			if got != tt.want || code != tt.code {
				t.Errorf("NormalizeEmail(%q) = %q, %q; want %q, %q", tt.raw, got, code, tt.want, tt.code)
			}
		})
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"0912-345-678", "+44 (0)20 7946 0958", "02 2345 6789 轉 45", "002 1 415 555 0100", "x", "#", "++1"} {
		f.Add(s, "TW")
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		e164, ext, code := NormalizePhone(raw, region)
		if code != "" {
			if e164 != "" || ext != "" {
				t.Fatalf("error %q with a result %q %q", code, e164, ext)
			}
			return
		}
		if len(e164) < 8 || len(e164) > 16 || e164[0] != '+' {
			t.Fatalf("NormalizePhone(%q) = %q: not E.164", raw, e164)
		}
		// A normalised number normalises to itself, whatever the region.
		again, _, code2 := NormalizePhone(e164, "")
		if again != e164 || code2 != "" {
			t.Fatalf("not idempotent: %q -> %q -> %q (%s)", raw, e164, again, code2)
		}
	})
}
