package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/exporter"
	"github.com/guanxi-crm/guanxi/internal/importer"
)

func init() {
	register("export", "export contacts, companies, products, orders or events as CSV, or contacts as vCards", func(ctx context.Context, env Env, args []string) error {
		var cfg config.Config
		var typ, format, out string
		fs, err := flags(env, "export", "--type TYPE [--format csv|vcard] [--out FILE] [flags]", &cfg, false)
		if err != nil {
			return err
		}
		fs.StringVar(&typ, "type", "", "contacts, companies, products, orders or events (required)")
		fs.StringVar(&format, "format", "csv", "csv (UTF-8 with BOM, for Excel; imports back as it is) or vcard (contacts only)")
		fs.StringVar(&out, "out", "-", "file to write (- writes standard output)")
		if err := parse(fs, &cfg, args); err != nil {
			return err
		}
		if typ == "" || (format != "csv" && format != "vcard") || (format == "vcard" && typ != "contacts") {
			fs.Usage()
			return errUsage
		}
		a, err := open(ctx, env, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		x := &exporter.Exporter{Customers: a.Customers, Commerce: a.Commerce, Touchpoints: a.Touchpoints}
		var w io.Writer = env.Stdout
		var f *os.File
		if out != "-" {
			if f, err = os.Create(out); err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		bw := bufio.NewWriterSize(w, 64<<10)
		if format == "vcard" {
			err = x.VCards(system(ctx), bw)
		} else {
			err = x.CSV(system(ctx), bw, importer.RecordType(typ))
		}
		if err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if f != nil {
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "wrote %s\n", out)
		}
		return nil
	})
}
