package demo

import "strings"

// publicSuffixes are the endings of the domains the generator draws, longest
// first.
var publicSuffixes = []string{".com.tw", ".com.cn", ".com.hk", ".com.sg", ".com.au", ".co.uk", ".com", ".net", ".org", ".cn", ".tw", ".hk", ".sg", ".uk", ".us", ".io"}

// reservedDomain moves a realistic domain onto the .example top-level domain,
// which RFC 2606 reserves and which no mail server answers: gmail.com becomes
// gmail.example, yahoo.com.tw yahoo.example, twprecision.com.tw
// twprecision.example. Demo data looks real in every other way, but a
// campaign sent to demo contacts can never reach a real person.
func reservedDomain(domain string) string {
	if domain == "" || strings.HasSuffix(domain, ".example") {
		return domain
	}
	for _, s := range publicSuffixes {
		if base, ok := strings.CutSuffix(domain, s); ok && base != "" {
			return base + ".example"
		}
	}
	return domain + ".example"
}
