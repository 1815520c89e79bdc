package crm

import "testing"

func TestValidText(t *testing.T) {
	for _, tt := range []struct {
		s  string
		ok bool
	}{
		{"王小李", true}, {"Ann\tLee\r\n", true}, {"", true}, {"José 😀", true},
		{"a\x00b", false}, {"\x1b[31m", false}, {"\xff\xfe", false}, {"a\u0085b", false}, {string([]byte{0xe7, 0x8e}), false},
	} {
		if got := ValidText(tt.s); got != tt.ok {
			t.Errorf("ValidText(%q) = %v", tt.s, got)
		}
	}
}

func TestValidCountry(t *testing.T) {
	for code, ok := range map[string]bool{"TW": true, "CN": true, "HK": true, "GB": true, "XK": true, "ZZ": false, "UK": false, "YU": false, "tw": false, "T": false, "WTW": false, "W ": false, "": false, "WS": true, "SW": false} {
		if got := ValidCountry(code); got != ok {
			t.Errorf("ValidCountry(%q) = %v", code, got)
		}
	}
}
