package demo

import (
	"fmt"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// company makes a company of a random culture.
func (g *gen) company() Company {
	c := Company{Culture: weighted(g, chooseCulture)}
	band := weighted(g, chooseSize)
	f := &c.Fields
	f.Size = sizeBands[band].size
	if g.chance(0.04) {
		f.Size = "" // not known yet
	}
	var industry string
	switch c.Culture {
	case CultureTaiwan:
		p := weighted(g, chooseTWPlace)
		f.Name, f.Domain, industry = g.twCompanyName(p)
		f.Address = g.twAddress(p, true)
	case CultureMainland:
		p := weighted(g, chooseCNPlace)
		f.Name, f.Domain, industry = g.cnCompanyName(p)
		f.Address = g.cnAddress(p, true)
	default:
		p := weighted(g, chooseENPlace)
		f.Name, f.Domain, industry = g.enCompanyName(p)
		f.Address = g.enAddress(p, true)
	}
	if g.chance(0.93) {
		f.Industry = industry
	}
	if g.chance(0.12) {
		f.Domain = "" // no web site on record
	}
	big := band >= 4
	if big && g.chance(0.5) {
		f.Tags = append(f.Tags, "Key Account")
	}
	if g.chance(0.08) {
		f.Tags = append(f.Tags, "經銷商")
	}
	if g.chance(0.05) {
		f.Tags = append(f.Tags, "供應商")
	}
	if strings.Contains(industry, "電子") || strings.Contains(industry, "电子") || industry == "Electronics" || industry == "半導體" {
		if g.chance(0.2) {
			f.Tags = append(f.Tags, "OEM")
		}
	}
	if g.chance(0.7) {
		f.Custom = map[string]any{FieldPaymentTerms: pick(g, paymentTerms)}
	}
	c.Owner, c.Team = g.ownership(c.Culture, big)
	return c
}

// unique calls draw until it gives a name not used before; after many tries
// it numbers the name. Domains that are taken are dropped (the company has
// none on record).
func (g *gen) unique(draw func() (name, domain, industry string)) (string, string, string) {
	var name, domain, industry string
	for try := 0; ; try++ {
		name, domain, industry = draw()
		if !g.names[name] {
			break
		}
		if try > 50 {
			for i := 2; ; i++ {
				if n := fmt.Sprintf("%s (%d)", name, i); !g.names[n] {
					name = n
					break
				}
			}
			break
		}
	}
	g.names[name] = true
	domain = reservedDomain(domain)
	if g.domains[domain] {
		domain = ""
	}
	if domain != "" {
		g.domains[domain] = true
	}
	return name, domain, industry
}

// brand makes a two-character brand (宏昌, hungchang) from distinct
// characters.
func (g *gen) brand(chars []syllable) (han, rom string) {
	a := g.intn(len(chars))
	b := (a + 1 + g.intn(len(chars)-1)) % len(chars)
	return chars[a].han + chars[b].han, chars[a].rom + chars[b].rom
}

func (g *gen) twCompanyName(p place) (string, string, string) {
	return g.unique(func() (string, string, string) {
		co := weighted(g, chooseTWCore)
		var han, rom string
		if g.chance(0.1) {
			w := pick(g, twWholeBrand)
			han, rom = w.han, w.rom
		} else {
			han, rom = g.brand(twBrand)
			if p.prefix != "" && g.chance(0.15) {
				han, rom = p.prefix+han, p.prefixRom+rom
			}
		}
		suffix := "股份有限公司"
		if g.chance(0.35) {
			suffix = "有限公司"
		}
		domain := rom + co.rom + ".com.tw"
		if g.chance(0.3) {
			domain = rom + ".com.tw"
		}
		return han + co.han + suffix, domain, co.industry
	})
}

func (g *gen) cnCompanyName(p place) (string, string, string) {
	return g.unique(func() (string, string, string) {
		co := weighted(g, chooseCNCore)
		han, rom := g.brand(cnBrand)
		name := han + co.han
		if g.chance(0.7) {
			name = p.prefix + name // 上海华东贸易有限公司
		}
		suffix := "有限公司"
		if g.chance(0.2) {
			suffix = "股份有限公司"
		}
		domain := rom + co.rom + pick(g, []string{".com.cn", ".cn", ".com"})
		return name + suffix, domain, co.industry
	})
}

func (g *gen) enCompanyName(p enPlace) (string, string, string) {
	return g.unique(func() (string, string, string) {
		co := weighted(g, chooseENCore)
		var brand string
		switch x := g.r.Float64(); {
		case x < 0.65:
			brand = pick(g, enBrand)
		case x < 0.9:
			brand = weighted(g, chooseENSurname).han
		default:
			brand = p.city
		}
		legal := enSuffix[p.country]
		web := strings.ToLower(strings.NewReplacer(" ", "", "'", "").Replace(brand)) + co.rom
		return brand + " " + co.han + " " + pick(g, legal.forms), web + "." + pick(g, legal.tlds), co.industry
	})
}

// twAddress writes a Taiwanese address: the district leads the street, as
// on an envelope (信義區松仁路100號12樓). Offices sit on a floor of a
// building; homes are often down a lane (巷).
func (g *gen) twAddress(p place, office bool) customer.Address {
	d := pick(g, p.districts)
	street := d.name + pick(g, d.streets)
	if !office && g.chance(0.4) {
		street += fmt.Sprintf("%d巷", g.between(1, 250))
	}
	street += fmt.Sprintf("%d號", g.between(1, 320))
	if office || g.chance(0.7) {
		street += fmt.Sprintf("%d樓", g.between(2, 25))
	}
	return customer.Address{Street: street, City: p.city, Region: p.region, PostalCode: d.postal, Country: p.country}
}

func (g *gen) cnAddress(p place, office bool) customer.Address {
	d := pick(g, p.districts)
	street := d.name + pick(g, d.streets) + fmt.Sprintf("%d号", g.between(1, 1200))
	if office {
		if g.chance(0.5) {
			street += fmt.Sprintf("%d楼", g.between(2, 40))
		} else {
			street += fmt.Sprintf("%s座%d室", pick(g, []string{"A", "B", "C"}), g.between(2, 30)*100+g.between(1, 20))
		}
	} else {
		street += fmt.Sprintf("%d栋%d室", g.between(1, 30), g.between(1, 32)*100+g.between(1, 4))
	}
	return customer.Address{Street: street, City: p.city, Region: p.region, PostalCode: d.postal, Country: p.country}
}

func (g *gen) enAddress(p enPlace, office bool) customer.Address {
	street := fmt.Sprintf("%d %s", g.between(1, 900), pick(g, p.streets))
	switch {
	case p.country == "SG":
		street = fmt.Sprintf("%d %s #%02d-%02d", g.between(1, 80), pick(g, p.streets), g.between(2, 40), g.between(1, 20))
	case office && p.country == "AU":
		street = fmt.Sprintf("Level %d, %s", g.between(2, 40), street)
	case office && (p.country == "US" || p.country == "CA") && g.chance(0.6):
		street += fmt.Sprintf(", Suite %d", g.between(1, 40)*100)
	case !office && p.country == "GB" && g.chance(0.4):
		street = fmt.Sprintf("Flat %d, %s", g.between(1, 30), street)
	case !office && p.country == "US" && g.chance(0.3):
		street += fmt.Sprintf(", Apt %d", g.between(1, 30))
	}
	postal := pick(g, p.postal)
	if p.country == "GB" {
		const letters = "ABDEFGHJLNPQRSTUWXYZ" // those the inward code uses
		postal += fmt.Sprintf(" %d%c%c", g.between(1, 9), letters[g.intn(len(letters))], letters[g.intn(len(letters))])
	}
	return customer.Address{Street: street, City: p.city, Region: p.region, PostalCode: postal, Country: p.country}
}
