package httpx

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddress(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		name, remote string
		forwarded    []string
		trusted      []netip.Prefix
		want         string
	}{
		{"no proxies configured", "10.1.2.3:5000", []string{"203.0.113.9"}, nil, "10.1.2.3"},
		{"direct client", "198.51.100.7:5000", []string{"203.0.113.9"}, proxies, "198.51.100.7"},
		{"behind one proxy", "127.0.0.1:5000", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"behind two proxies", "10.1.2.3:5000", []string{"203.0.113.9, 10.9.9.9"}, proxies, "203.0.113.9"},
		{"a forged hop before the client is ignored", "127.0.0.1:5000", []string{"1.2.3.4, 203.0.113.9"}, proxies, "203.0.113.9"},
		{"several headers", "127.0.0.1:5000", []string{"1.2.3.4", "203.0.113.9"}, proxies, "203.0.113.9"},
		{"garbage stops the walk", "127.0.0.1:5000", []string{"203.0.113.9, bogus"}, proxies, "127.0.0.1"},
		{"no header", "127.0.0.1:5000", nil, proxies, "127.0.0.1"},
		{"IPv6 client", "127.0.0.1:5000", []string{"2001:db8::1"}, proxies, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, h := range tt.forwarded {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := clientAddress(r, tt.trusted); got != tt.want {
				t.Errorf("clientAddress = %q, want %q", got, tt.want)
			}
		})
	}
}
