package vcard

import "time"

// normalizeDate returns a date in the basic or extended format of ISO 8601
// (19850412, 1985-04-12, --0412, --04-12) as YYYY-MM-DD or --MM-DD, and
// anything else as it is. omitYear is iOS's X-APPLE-OMIT-YEAR parameter:
// iOS writes a birthday without a year as that year (1604), which means
// no year.
func normalizeDate(s, omitYear string) string {
	if date, ok := parseDate(s, omitYear); ok {
		return date
	}
	return s
}

// parseDate returns a date in the basic or extended format as YYYY-MM-DD or
// --MM-DD, and whether s is one.
func parseDate(s, omitYear string) (string, bool) {
	var year, month, day string
	switch {
	case len(s) == 8 && allDigits(s):
		year, month, day = s[:4], s[4:6], s[6:]
	case len(s) == 10 && s[4] == '-' && s[7] == '-' && allDigits(s[:4]+s[5:7]+s[8:]):
		year, month, day = s[:4], s[5:7], s[8:]
	case len(s) == 6 && s[:2] == "--" && allDigits(s[2:]):
		month, day = s[2:4], s[4:]
	case len(s) == 7 && s[:2] == "--" && s[4] == '-' && allDigits(s[2:4]+s[5:]):
		month, day = s[2:4], s[5:]
	default:
		return "", false
	}
	if year == omitYear {
		year = ""
	}
	// Check the day exists; without a year, in a leap year, so that
	// --02-29 is a birthday.
	checkYear := year
	if checkYear == "" {
		checkYear = "2000"
	}
	if _, err := time.Parse(time.DateOnly, checkYear+"-"+month+"-"+day); err != nil {
		return "", false
	}
	if year == "" {
		return "--" + month + "-" + day, true
	}
	return year + "-" + month + "-" + day, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isNormalizedDate reports whether s is YYYY-MM-DD or --MM-DD, as
// normalizeDate returns dates.
func isNormalizedDate(s string) bool {
	date, ok := parseDate(s, "")
	return ok && date == s
}
