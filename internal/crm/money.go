package crm

import (
	"context"
	"math"
	"strconv"
	"strings"
)

// Money amounts are integers in the minor unit of their currency (cents,
// pence; yen have none), never floats, so that sums are exact.

// currencyExponents are the ISO 4217 currencies whose minor unit is not the
// usual hundredth. TWD is officially 2, and kept so: prices like NT$12.50
// exist in data, and 2 reads NT$ amounts without loss.
var currencyExponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// ValidCurrency reports whether code looks like an ISO 4217 code: three
// upper-case letters.
func ValidCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	return true
}

// CurrencyExponent is the number of decimals of a currency's minor unit.
func CurrencyExponent(code string) int {
	if e, ok := currencyExponents[code]; ok {
		return e
	}
	return 2
}

// ParseAmount reads a decimal amount written for people ("12.50", "-3",
// "1,234.5", "NT$1,200", "£3.20") into minor units of currency, exactly.
// More decimals than the currency has are refused rather than rounded.
func ParseAmount(s, currency string) (int64, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	s = strings.TrimLeft(s, "$£€¥￥NT ")
	s = strings.ReplaceAll(s, ",", "")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, false
	}
	exp := CurrencyExponent(currency)
	frac = strings.TrimRight(frac, "0")
	if len(frac) > exp || (hasDot && frac == "" && whole == "") {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, false
			}
		}
	}
	digits := whole + frac + strings.Repeat("0", exp-len(frac))
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return 0, true
	}
	if len(digits) > 18 {
		return 0, false
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || v > math.MaxInt64/1000 {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// FormatAmount writes minor units as a plain decimal ("12.50"), the form
// ParseAmount reads back.
func FormatAmount(minor int64, currency string) string {
	exp := CurrencyExponent(currency)
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	s := strconv.FormatInt(minor, 10)
	if exp == 0 {
		return sign + s
	}
	if len(s) <= exp {
		s = strings.Repeat("0", exp-len(s)+1) + s
	}
	return sign + s[:len(s)-exp] + "." + s[len(s)-exp:]
}

// SettingReader reads the installation's settings.
type SettingReader interface {
	Setting(ctx context.Context, key string) (value string, ok bool, err error)
}

// Settings reads and writes the installation's settings.
type Settings interface {
	SettingReader
	SetSetting(ctx context.Context, key, value string) error
}

// CurrencySetting is the settings key of the database's currency: every
// amount of the database (products, orders, deals) is in it.
const CurrencySetting = "currency"

// Currency is the database's currency, or "" before its first amount.
func Currency(ctx context.Context, st SettingReader) (string, error) {
	c, _, err := st.Setting(ctx, CurrencySetting)
	return c, err
}

// SettleCurrency checks the currency of a record with an amount against
// the database's, and fixes the database's with the first one (given, or
// fallback when the record names none). Run it in the writing transaction,
// so that two first records cannot fix two currencies.
func SettleCurrency(ctx context.Context, st Settings, given, fallback string) (string, error) {
	const op = "crm.SettleCurrency"
	current, err := Currency(ctx, st)
	if err != nil {
		return "", err
	}
	var v Violations
	switch {
	case current != "" && (given == "" || given == current):
		return current, nil
	case current != "":
		v.Add("currency", "currency_mismatch", "currency", current)
		return "", v.Err(op)
	}
	if given == "" {
		given = fallback
	}
	if given == "" {
		v.Add("currency", "required")
		return "", v.Err(op)
	}
	first, ok := st.(settingInitializer)
	if !ok {
		return given, st.SetSetting(ctx, CurrencySetting, given)
	}
	// Two first records at once: on PostgreSQL both may have read no
	// currency; the second one's insert waits for the first to commit and
	// then finds its currency.
	stored, err := first.InitSetting(ctx, CurrencySetting, given)
	if err != nil {
		return "", err
	}
	if stored != given {
		v.Add("currency", "currency_mismatch", "currency", stored)
		return "", v.Err(op)
	}
	return given, nil
}

// settingInitializer sets a setting only if it has no value yet, and
// returns the value it has then (a store does it in one statement).
type settingInitializer interface {
	InitSetting(ctx context.Context, key, value string) (string, error)
}
