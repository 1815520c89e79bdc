package lead

import "testing"

func TestDialingOf(t *testing.T) {
	tests := []struct {
		region string
		want   dialing
	}{
		{"TW", dialing{"886", "0"}},
		{"CN", dialing{"86", "0"}},
		{"HK", dialing{"852", ""}},
		{"US", dialing{"1", "1"}},
		{"RU", dialing{"7", "8"}},
		{"", dialing{}},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			if got := dialingOf(tt.region); got != tt.want {
				t.Errorf("dialingOf(%q) = %+v, want %+v", tt.region, got, tt.want)
			}
		})
	}
}

func TestPhoneForms(t *testing.T) {
	tw := dialingOf("TW")
	tests := []struct {
		name, q        string
		digits, prefix string
	}{
		{"a mobile being typed", "0912 345", "0912345", "+886912345"},
		{"with dashes and brackets", "(02) 2345-6789", "0223456789", "+886223456789"},
		{"without the trunk prefix", "912-345", "912345", ""},
		{"international", "+886 912", "886912", ""},
		{"full-width", "０９１２－３４５", "0912345", "+886912345"},
		{"too few digits", "09", "", ""},
		{"a trunk prefix and a digit", "0 9", "", ""},
		{"letters", "0912 abc", "", ""},
		{"a name", "王小明", "", ""},
		{"a percent sign", "100%", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			digits, prefix := tw.phoneForms(tt.q)
			if digits != tt.digits || prefix != tt.prefix {
				t.Errorf("phoneForms(%q) = %q, %q; want %q, %q", tt.q, digits, prefix, tt.digits, tt.prefix)
			}
		})
	}
	if _, prefix := dialingOf("HK").phoneForms("2345 6789"); prefix != "" {
		t.Errorf("a region without a trunk prefix reads %q", prefix)
	}
}
