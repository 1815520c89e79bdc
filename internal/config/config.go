// Package config is Guanxi's one configuration: defaults, then GUANXI_*
// environment variables, then command-line flags; validated before use and
// passed to whoever needs it, never read from a global.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/mail"
)

// Config is everything Guanxi can be told.
type Config struct {
	// Addr is where the server listens.
	Addr string
	// DataDir holds the SQLite database (and later backups).
	DataDir string
	// DatabaseURL, when set (postgres://…), selects PostgreSQL over SQLite.
	DatabaseURL string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogFormat is text or json.
	LogFormat string
	// DefaultRegion (ISO 3166 alpha-2) reads phone numbers written without a
	// country code.
	DefaultRegion string
	// Currency (ISO 4217) is taken by the first product or order that
	// names none; after that, the database's currency is the one it holds.
	Currency string
	// SecureCookies marks session cookies Secure; set it when users reach
	// Guanxi over HTTPS.
	SecureCookies bool
	// TrustedProxies are the addresses (CIDR, comma-separated) of reverse
	// proxies whose X-Forwarded-For names the client: sign-in limits and
	// logs then see the client, not the proxy.
	TrustedProxies string
	// SMTPURL is the mail server notifications are emailed through
	// (smtp://user:password@host:port, or smtps://…); empty sends no email.
	SMTPURL string
	// MailFrom is the sender of those emails ("Guanxi <crm@example.com>").
	MailFrom string
	// PublicURL is where users reach Guanxi (https://crm.example.com): the
	// links in emails start with it.
	PublicURL string
}

// Defaults returns the configuration of a fresh install.
func Defaults() Config {
	return Config{
		Addr:          "localhost:8080",
		DataDir:       "./guanxi-data",
		LogLevel:      "info",
		LogFormat:     "text",
		DefaultRegion: "TW",
		Currency:      "TWD",
	}
}

// env names the environment variable of each setting.
var env = map[string]string{
	"addr": "GUANXI_ADDR", "data": "GUANXI_DATA", "database": "GUANXI_DATABASE", "log-level": "GUANXI_LOG_LEVEL",
	"log-format": "GUANXI_LOG_FORMAT", "default-region": "GUANXI_DEFAULT_REGION", "currency": "GUANXI_CURRENCY", "secure-cookies": "GUANXI_SECURE_COOKIES",
	"trusted-proxies": "GUANXI_TRUSTED_PROXIES", "smtp-url": "GUANXI_SMTP_URL", "mail-from": "GUANXI_MAIL_FROM", "public-url": "GUANXI_PUBLIC_URL",
}

// Register adds the flags of the settings a command uses to fs; their
// defaults come from the environment (getenv) over Defaults. server adds the
// settings only the server has.
func (c *Config) Register(fs *flag.FlagSet, getenv func(string) string, server bool) error {
	d := Defaults()
	str := func(p *string, name, def, usage string) {
		if v := getenv(env[name]); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" ["+env[name]+"]")
	}
	str(&c.DataDir, "data", d.DataDir, "data directory of the embedded database")
	str(&c.DatabaseURL, "database", d.DatabaseURL, "PostgreSQL URL (postgres://…); uses PostgreSQL instead of the embedded database")
	str(&c.LogLevel, "log-level", d.LogLevel, "debug, info, warn or error")
	str(&c.LogFormat, "log-format", d.LogFormat, "text or json")
	str(&c.DefaultRegion, "default-region", d.DefaultRegion, "country (ISO 3166 code) of phone numbers written without a country code")
	str(&c.Currency, "currency", d.Currency, "currency (ISO 4217) of a new database's amounts, taken by the first product or order that names none")
	if !server {
		return nil
	}
	str(&c.Addr, "addr", d.Addr, "address to listen on (host:port; :8080 for every interface)")
	str(&c.TrustedProxies, "trusted-proxies", d.TrustedProxies, "reverse proxies (CIDR, comma-separated, e.g. 127.0.0.1/32) whose X-Forwarded-For names the client")
	str(&c.SMTPURL, "smtp-url", d.SMTPURL, "mail server for notification emails: smtp://user:password@host:587 (STARTTLS) or smtps://…:465; empty sends none")
	str(&c.MailFrom, "mail-from", d.MailFrom, "sender of notification emails, e.g. \"Guanxi <crm@example.com>\"")
	str(&c.PublicURL, "public-url", d.PublicURL, "address users reach Guanxi at (https://crm.example.com), for the links in emails")
	secure := d.SecureCookies
	if v := getenv(env["secure-cookies"]); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s=%q: want true or false", env["secure-cookies"], v)
		}
		secure = b
	}
	fs.BoolVar(&c.SecureCookies, "secure-cookies", secure, "mark session cookies Secure (serve over HTTPS) ["+env["secure-cookies"]+"]")
	return nil
}

// Validate reports every setting that cannot work.
func (c *Config) Validate() error {
	var errs []error
	if _, err := c.SlogLevel(); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q: want text or json", c.LogFormat))
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("database: want a postgres:// URL (leave it empty for the embedded database)"))
		}
	} else if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("data: the data directory is empty"))
	}
	c.DefaultRegion = strings.ToUpper(c.DefaultRegion)
	c.Currency = strings.ToUpper(c.Currency)
	if c.Currency != "" && !crm.ValidCurrency(c.Currency) {
		errs = append(errs, fmt.Errorf("currency %q: not an ISO 4217 code (TWD, CNY, USD, …)", c.Currency))
	}
	if c.DefaultRegion != "" && !crm.Region(c.DefaultRegion) {
		errs = append(errs, fmt.Errorf("default region %q: not a known country code (TW, CN, HK, US, …)", c.DefaultRegion))
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, err)
	}
	if c.SMTPURL != "" {
		if err := mail.Check(c.SMTPURL, c.MailFrom); err != nil {
			errs = append(errs, err)
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("public url %q: want http(s)://host", c.PublicURL))
		}
	}
	return errors.Join(errs...)
}

// Proxies parses TrustedProxies.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(c.TrustedProxies, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			if a, aerr := netip.ParseAddr(part); aerr == nil {
				p, err = a.Prefix(a.BitLen())
			}
		}
		if err != nil {
			return nil, fmt.Errorf("trusted proxies: %q is not an address or CIDR prefix", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// SlogLevel is the log level as slog wants it.
func (c *Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// Logger builds the logger the configuration asks for.
func (c *Config) Logger(w io.Writer) *slog.Logger {
	level, _ := c.SlogLevel()
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Store names the database in words, for messages.
func (c *Config) Store() string {
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err == nil {
			return "PostgreSQL " + u.Redacted()
		}
		return "PostgreSQL"
	}
	return "SQLite in " + c.DataDir
}
