package demo

import (
	"fmt"
	"strings"
)

// phoneNumber is one number written two ways: as at home and with its
// country code; e164 is the key that must be unique.
type phoneNumber struct {
	national, intl, e164 string
}

// uniquePhone draws numbers until one is unused; false when the country's
// fictional range looks exhausted.
func (g *gen) uniquePhone(draw func() phoneNumber) (phoneNumber, bool) {
	for range 12 {
		n := draw()
		if !g.phones[n.e164] {
			g.phones[n.e164] = true
			return n, true
		}
	}
	return phoneNumber{}, false
}

// number assembles a phoneNumber from the country code, the national
// number's parts (trunk prefix included in national), and the international
// parts, with an extension marker appended to both.
func number(cc, national, intl, ext string) phoneNumber {
	e164 := "+" + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, intl)
	if ext != "" {
		national += ext
		intl += ext
	}
	return phoneNumber{national: national, intl: intl, e164: e164}
}

// mobile draws a mobile number of the place, written as people there write
// it. US, Canadian and British numbers come from the ranges reserved for
// fiction (555-0100 to 555-0199, 07700 900xxx); Australia has too few
// fictional mobiles, so Australians get a fictional landline instead.
func (g *gen) mobile(l location) phoneNumber {
	switch l.country() {
	case "TW":
		d := "9" + digitsFrom(g, 1, "12345678") + digits(g, 7) // 9xx xxx xxx
		var national string
		switch x := g.r.Float64(); {
		case x < 0.7:
			national = "0" + d[:3] + "-" + d[3:6] + "-" + d[6:]
		case x < 0.85:
			national = "0" + d[:3] + " " + d[3:6] + " " + d[6:]
		default:
			national = "0" + d
		}
		return number("886", national, "+886 "+d[:3]+" "+d[3:6]+" "+d[6:], "")
	case "CN":
		prefix := pick(g, []string{"130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "158", "159", "177", "180", "181", "183", "186", "187", "188", "189", "199"})
		d := prefix + digits(g, 8)
		national := d[:3] + " " + d[3:7] + " " + d[7:]
		if g.chance(0.4) {
			national = d
		}
		return number("86", national, "+86 "+d[:3]+" "+d[3:7]+" "+d[7:], "")
	case "US", "CA":
		areas := l.en.areas
		if l.en.country == "US" && g.chance(0.5) {
			areas = usMobileAreas
		}
		return g.nanp(pick(g, areas), "")
	case "GB":
		d := "900" + digits(g, 3)
		return number("44", "07700 "+d, "+44 7700 "+d, "")
	case "SG":
		d := digitsFrom(g, 1, "89") + digits(g, 7)
		return number("65", d[:4]+" "+d[4:], "+65 "+d[:4]+" "+d[4:], "")
	}
	return g.landline(l, "")
}

// nanp writes a North American number in the fictional 555-01xx range:
// (415) 555-0123, +1 415-555-0123.
func (g *gen) nanp(area, ext string) phoneNumber {
	line := "01" + digits(g, 2)
	return number("1", "("+area+") 555-"+line, "+1 "+area+"-555-"+line, ext)
}

// landline draws an office or home number of the place, with the extension
// marker ext (" #123") when given.
func (g *gen) landline(l location, ext string) phoneNumber {
	if l.zh != nil {
		p := l.zh
		local := digitsFrom(g, p.localLen, p.localFirst)
		split := p.localLen - 4
		area := strings.TrimPrefix(p.area, "0")
		if p.country == "CN" {
			national := p.area + "-" + local
			if g.chance(0.5) {
				national = p.area + "-" + local[:split] + " " + local[split:]
			}
			return number("86", national, "+86 "+area+" "+local[:split]+" "+local[split:], ext)
		}
		national := "(" + p.area + ") " + local[:split] + "-" + local[split:]
		if g.chance(0.3) {
			national = p.area + "-" + local[:split] + "-" + local[split:]
		}
		return number("886", national, "+886 "+area+" "+local[:split]+" "+local[split:], ext)
	}
	p := l.en
	switch p.country {
	case "US", "CA":
		return g.nanp(pick(g, p.areas), ext)
	case "GB":
		// 020 7946 0xxx, 0161 496 0xxx
		area := pick(g, p.areas)
		d := "0" + digits(g, 3)
		return number("44", area+" "+d, "+44 "+strings.TrimPrefix(area, "0")+" "+d, ext)
	case "AU":
		area := pick(g, p.areas) // "02 5550"
		d := digits(g, 4)
		return number("61", "("+area[:2]+")"+area[2:]+" "+d, "+61 "+area[1:]+" "+d, ext)
	}
	d := "6" + digits(g, 7) // Singapore
	return number("65", d[:4]+" "+d[4:], "+65 "+d[:4]+" "+d[4:], ext)
}

// extension draws an office extension with the marker people of the
// country write: #123, 分機 123, 转 805, ext. 204.
func (g *gen) extension(country string) string {
	ext := fmt.Sprint(g.between(10, 899))
	switch country {
	case "TW":
		return pick(g, []string{" #", " #", " 分機 ", " 轉"}) + ext
	case "CN":
		return pick(g, []string{" 转", " 转 ", " 分机 "}) + ext
	}
	return pick(g, []string{" ext. ", " ext. ", " x"}) + ext
}
