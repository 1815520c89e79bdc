package cli

import (
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/csvfile"
	"github.com/guanxi-crm/guanxi/internal/importer"
)

func init() {
	register("import", "import contacts, companies, products, orders, events or leads from a CSV file", func(ctx context.Context, env Env, args []string) error {
		var cfg config.Config
		var opt importer.Options
		var file, typ, encoding, mapping, comma, onDuplicate, tz, errorsPath string
		fs, err := flags(env, "import", "--type TYPE --file FILE [flags]", &cfg, false)
		if err != nil {
			return err
		}
		fs.StringVar(&file, "file", "", "the CSV file (.gz is read through gzip; - reads standard input) (required)")
		fs.StringVar(&typ, "type", "", "what the file holds: contacts, companies, products, orders, events or leads (required)")
		fs.StringVar(&encoding, "encoding", "", "utf-8, utf-16, big5 or gbk/gb18030 (default: detected)")
		fs.StringVar(&mapping, "mapping", "", "the field of each column, comma-separated, empty to ignore one (default: guessed from the headers)")
		fs.StringVar(&comma, "comma", "", `cell separator: ",", ";" or "tab" (default: detected)`)
		fs.BoolVar(&opt.DryRun, "dry-run", false, "check everything, write nothing, and report what would happen")
		fs.StringVar(&onDuplicate, "on-duplicate", "skip", "rows matching a stored record (email, phone, external id, SKU): skip or update (leads have no uniqueness: every row makes one)")
		fs.StringVar(&opt.Source, "source", "import", "the system the file comes from: the namespace of its customer ids")
		fs.StringVar(&opt.Channel, "channel", "", "channel of orders and events that name none (default other)")
		fs.StringVar(&opt.DateOrder, "date-order", "ymd", "order of dates written with slashes: ymd, mdy (3/1/2026) or dmy (1/3/2026)")
		fs.StringVar(&tz, "tz", "UTC", "time zone of times written without one, e.g. Asia/Taipei")
		fs.StringVar(&errorsPath, "errors", "", "write the rejected rows and warnings to this CSV file (default: FILE.errors.csv when there are any)")
		if err := parse(fs, &cfg, args); err != nil {
			return err
		}
		if file == "" || typ == "" {
			fs.Usage()
			return errUsage
		}
		opt.Type, opt.OnDuplicate, opt.Currency = importer.RecordType(typ), importer.Duplicates(onDuplicate), cfg.Currency
		if encoding != "" {
			if opt.Encoding, err = csvfile.ParseEncoding(encoding); err != nil {
				return err
			}
		}
		if mapping != "" {
			opt.Mapping = strings.Split(mapping, ",")
		}
		switch comma {
		case "":
		case "tab", `\t`:
			opt.Comma = '\t'
		default:
			if utf8.RuneCountInString(comma) != 1 {
				return fmt.Errorf("--comma %q: give one character or tab", comma)
			}
			opt.Comma, _ = utf8.DecodeRuneInString(comma)
		}
		if opt.Location, err = time.LoadLocation(tz); err != nil {
			return fmt.Errorf("--tz %q: %w", tz, err)
		}
		in, size, closeIn, err := openInput(file, env)
		if err != nil {
			return err
		}
		defer closeIn()
		a, err := open(ctx, env, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		start := time.Now()
		last := time.Time{}
		rep, err := a.Importer.Run(system(ctx), in, size, opt, func(p importer.Progress) {
			if time.Since(last) < time.Second {
				return
			}
			last = time.Now()
			fmt.Fprintf(env.Stderr, "\r%5.1f%%  %d rows read, %d imported, %d rejected", p.Percent(), p.RowsRead, p.Imported, p.Rejected)
		})
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return err
		}
		verb := "imported"
		if rep.DryRun {
			verb = "would import (dry run, nothing written)"
		}
		fmt.Fprintf(env.Stdout, "%s: %d rows read (%s, separator %q) in %s; %s %d, updated %d, skipped %d duplicates, rejected %d rows\n",
			file, rep.RowsRead, rep.Encoding, rep.Comma, time.Since(start).Round(time.Millisecond), verb, rep.Imported, rep.Updated, rep.Skipped, rep.Rejected)
		if len(rep.Problems) == 0 {
			return nil
		}
		if errorsPath == "" {
			errorsPath = strings.TrimSuffix(file, ".gz") + ".errors.csv"
			if file == "-" {
				errorsPath = "import.errors.csv"
			}
		}
		f, err := os.Create(errorsPath)
		if err != nil {
			return err
		}
		if err := importer.WriteProblems(f, rep); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%d problems (rejected rows and warnings) are listed in %s\n", len(rep.Problems), errorsPath)
		return nil
	})
}

// openInput opens the file to import and says its size (0 when unknown).
func openInput(path string, env Env) (io.Reader, int64, func(), error) {
	if path == "-" {
		return env.Stdin, 0, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	if !strings.HasSuffix(path, ".gz") {
		return f, info.Size(), func() { f.Close() }, nil
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, 0, nil, fmt.Errorf("%s: %w", path, err)
	}
	return gz, gzipSize(f, info.Size()), func() { gz.Close(); f.Close() }, nil
}

// gzipSize reads the uncompressed size a gzip file records in its last
// four bytes (modulo 4 GiB, which files shop owners import stay under), so
// that progress counts the bytes the importer reads.
func gzipSize(f *os.File, size int64) int64 {
	var tail [4]byte
	if size < 4 {
		return 0
	}
	if _, err := f.ReadAt(tail[:], size-4); err != nil {
		return 0
	}
	return int64(binary.LittleEndian.Uint32(tail[:]))
}
