package config

import (
	"flag"
	"io"
	"testing"
)

func TestPrecedenceIsFlagThenEnvironmentThenDefault(t *testing.T) {
	environment := map[string]string{"GUANXI_DATA": "/srv/guanxi", "GUANXI_ADDR": ":9000", "GUANXI_SECURE_COOKIES": "true"}
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := c.Register(fs, func(k string) string { return environment[k] }, true); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"--addr", "127.0.0.1:7000"}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.DataDir != "/srv/guanxi" || c.LogLevel != "info" || !c.SecureCookies {
		t.Errorf("config = %+v", c)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		ok     bool
	}{
		{"defaults", func(*Config) {}, true},
		{"postgres", func(c *Config) { c.DatabaseURL = "postgres://u@h/db" }, true},
		{"mysql url", func(c *Config) { c.DatabaseURL = "mysql://u@h/db" }, false},
		{"bad level", func(c *Config) { c.LogLevel = "loud" }, false},
		{"bad format", func(c *Config) { c.LogFormat = "xml" }, false},
		{"unknown region", func(c *Config) { c.DefaultRegion = "XX" }, false},
		{"lower-case region", func(c *Config) { c.DefaultRegion = "cn" }, true},
		{"no data dir", func(c *Config) { c.DataDir = " " }, false},
		{"trusted proxies", func(c *Config) { c.TrustedProxies = "127.0.0.1, 10.0.0.0/8,::1" }, true},
		{"a proxy that is no address", func(c *Config) { c.TrustedProxies = "10.0.0.0/8,proxy.local" }, false},
		{"smtp", func(c *Config) { c.SMTPURL, c.MailFrom = "smtp://u:p@mail.example.com:587", "Guanxi <crm@example.com>" }, true},
		{"smtp without a sender", func(c *Config) { c.SMTPURL = "smtps://mail.example.com" }, false},
		{"smtp that is no smtp url", func(c *Config) { c.SMTPURL, c.MailFrom = "mail.example.com:25", "crm@example.com" }, false},
		{"public url", func(c *Config) { c.PublicURL = "https://crm.example.com" }, true},
		{"public url without a scheme", func(c *Config) { c.PublicURL = "crm.example.com" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			tt.change(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestBadBooleanInEnvironment(t *testing.T) {
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	err := c.Register(fs, func(k string) string {
		if k == "GUANXI_SECURE_COOKIES" {
			return "maybe"
		}
		return ""
	}, true)
	if err == nil {
		t.Fatal("no error for GUANXI_SECURE_COOKIES=maybe")
	}
}
