// Package importer moves records in from the files shop owners have — CSV
// in any of the encodings Excel and Chinese systems write — through the
// domain services, so that an imported record obeys every rule a record
// made by hand does. A rejected row never stops the good ones, and every
// rejected row is reported with its line and reason.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/csvfile"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// Duplicates says what happens to a row that matches a stored record (by
// email, phone or external id for contacts, SKU for products; leads have no
// uniqueness, so every lead row makes a lead).
type Duplicates string

const (
	SkipDuplicates   Duplicates = "skip"
	UpdateDuplicates Duplicates = "update"
)

// Options configure an import.
type Options struct {
	Type RecordType
	// Mapping gives each column's target field by position ("" ignores the
	// column); nil guesses it from the headers.
	Mapping []string
	// Encoding of the file; empty detects it.
	Encoding csvfile.Encoding
	// Comma separates cells; 0 detects it.
	Comma rune
	// DryRun checks everything and writes nothing: the import runs in a
	// transaction that is rolled back, so its report is exactly what a real
	// run would do.
	DryRun      bool
	OnDuplicate Duplicates
	// Source names the system the file comes from: the namespace of its
	// external ids, and the source of leads whose row names none (default
	// "import").
	Source string
	// Channel of orders and events that name none (default "other").
	Channel string
	// Currency of amounts; default the database's.
	Currency string
	// DateOrder reads dates written with slashes: "ymd" (2026/3/1, the
	// default), "mdy" (3/1/2026) or "dmy" (1/3/2026).
	DateOrder string
	// Location is the time zone of times written without one (default UTC).
	Location *time.Location
	// BatchSize is how many records are written per transaction.
	BatchSize int
	// Checkpoint, when set, is called in the transaction of every batch
	// written with what a run resumed after a crash needs; an error stops
	// the import and rolls the batch back.
	Checkpoint func(ctx context.Context, c Checkpoint) error `json:"-"`
	// Resume continues an import from its last checkpoint.
	Resume *Checkpoint `json:"-"`
}

// Checkpoint is how far an import got: the records before Records are
// written (or rejected) and Report says what became of them.
type Checkpoint struct {
	Records int    `json:"records"`
	Report  Report `json:"report"`
}

// Progress counts an import so far. Imported, Updated and Skipped count
// records (an order of five rows counts once); RowsRead and Rejected count
// rows.
type Progress struct {
	RowsRead   int   `json:"rows_read"`
	Imported   int   `json:"imported" doc:"Records created"`
	Updated    int   `json:"updated" doc:"Stored records updated from a matching row"`
	Skipped    int   `json:"skipped" doc:"Rows matching a stored record, left as it was"`
	Rejected   int   `json:"rejected" doc:"Rows refused; the problems say why"`
	BytesRead  int64 `json:"bytes_read"`
	BytesTotal int64 `json:"bytes_total,omitempty"`
}

// Percent is how far the import has read, 0–100 (0 when the size is
// unknown).
func (p Progress) Percent() float64 {
	if p.BytesTotal <= 0 {
		return 0
	}
	return min(100, 100*float64(p.BytesRead)/float64(p.BytesTotal))
}

// RowProblem is a row that was rejected, or imported without a value it had.
type RowProblem struct {
	Line   int      `json:"line"`
	Level  string   `json:"level" enum:"rejected,warning"`
	Reason string   `json:"reason"`
	Cells  []string `json:"cells,omitempty"`
}

// Report is the outcome of an import.
type Report struct {
	Type     RecordType `json:"type"`
	Encoding string     `json:"encoding"`
	Comma    string     `json:"comma"`
	Header   []string   `json:"header"`
	Mapping  []string   `json:"mapping" doc:"Target field of each column, in order; empty for ignored columns"`
	DryRun   bool       `json:"dry_run"`
	Progress
	Problems []RowProblem `json:"problems" nullable:"false"`
}

// Importer imports files through the services.
type Importer struct {
	Customers   *customer.Service
	Touchpoints *touchpoint.Service
	Commerce    *commerce.Service
	// Leads and Directory serve lead imports (nil: the importer refuses
	// them).
	Leads     *lead.Service
	Directory Directory
	// Tx runs a dry run in a transaction it rolls back, and each batch with
	// its checkpoint.
	Tx interface {
		InTx(ctx context.Context, fn func(ctx context.Context) error) error
	}
	// Jobs, Uploads and Principal serve imports that run as jobs.
	Jobs    *jobs.Service
	Uploads Uploads
	// Principal is the user an import job acts as.
	Principal func(ctx context.Context, userID int64) (*crm.Principal, error)
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// Run imports a file of size bytes (0 when unknown), calling progress after
// every batch. The error is for the import as a whole: an unreadable file,
// a mapping that lacks what the record type needs, or an outage; rows are
// answered in the report.
func (im *Importer) Run(ctx context.Context, r io.Reader, size int64, opt Options, progress func(Progress)) (*Report, error) {
	const op = "importer.Run"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	opt, err := im.defaults(ctx, opt)
	if err != nil {
		return nil, err
	}
	counter := &countingReader{r: r}
	src, rep, err := open(counter, opt)
	if err != nil {
		return nil, err
	}
	rep.BytesTotal = size
	skip := 0
	if opt.Resume != nil {
		skip = opt.Resume.Records
		rep.Progress, rep.Problems = opt.Resume.Report.Progress, slices.Clone(opt.Resume.Report.Problems)
		rep.BytesTotal = size
	}
	h := im.handler(opt, rep)
	report := func() {
		rep.BytesRead = counter.n
		if progress != nil {
			progress(rep.Progress)
		}
	}
	records := 0 // records read from the file so far, resumed ones included
	var lines []int
	flush := func(ctx context.Context, final bool) error {
		if opt.Checkpoint == nil || opt.DryRun {
			return h.flush(ctx, final)
		}
		return im.Tx.InTx(ctx, func(ctx context.Context) error {
			if err := h.flush(ctx, final); err != nil {
				return err
			}
			return opt.Checkpoint(ctx, checkpointAt(rep, records, lines, h.firstPending()))
		})
	}
	run := func(ctx context.Context) error {
		for {
			r, problem, err := src.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return crm.E(op, crm.KindInvalid, "unreadable_file").With("detail", err.Error())
			}
			records++
			if records <= skip {
				continue
			}
			lines = append(lines, r.line)
			if problem != "" {
				rep.RowsRead++
				rep.reject(r.line, problem, nil)
				continue
			}
			if blank(r.cells) {
				continue
			}
			rep.RowsRead++
			r.ordinal = records
			if err := h.add(ctx, r); err != nil {
				return err
			}
			if h.full() {
				if err := flush(ctx, false); err != nil {
					return err
				}
				// keep the lines of the records still to be written
				keep := 0
				if p := h.firstPending(); p >= 0 {
					keep = min(len(lines), records-p+1)
				}
				lines = slices.Clone(lines[len(lines)-keep:])
				report()
			}
		}
		if err := flush(ctx, true); err != nil {
			return err
		}
		report()
		return nil
	}
	if opt.DryRun {
		err = im.Tx.InTx(ctx, func(ctx context.Context) error {
			if err := run(ctx); err != nil {
				return err
			}
			return errDryRun
		})
		if errors.Is(err, errDryRun) {
			err = nil
		}
	} else {
		err = run(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	slices.SortStableFunc(rep.Problems, func(a, b RowProblem) int { return a.Line - b.Line })
	return rep, nil
}

func (im *Importer) defaults(ctx context.Context, opt Options) (Options, error) {
	var v crm.Violations
	types := []RecordType{Contacts, Companies, Products, Orders, Events, Leads}
	if !slices.Contains(types, opt.Type) {
		v.Add("type", "invalid_record_type", "allowed", types)
	}
	if opt.OnDuplicate == "" {
		opt.OnDuplicate = SkipDuplicates
	}
	if opt.OnDuplicate != SkipDuplicates && opt.OnDuplicate != UpdateDuplicates {
		v.Add("on_duplicate", "invalid_choice", "allowed", []Duplicates{SkipDuplicates, UpdateDuplicates})
	}
	if opt.DateOrder == "" {
		opt.DateOrder = "ymd"
	}
	if !slices.Contains([]string{"ymd", "mdy", "dmy"}, opt.DateOrder) {
		v.Add("date_order", "invalid_choice", "allowed", []string{"ymd", "mdy", "dmy"})
	}
	if opt.Source == "" {
		opt.Source = "import"
	}
	opt.Source = crm.CleanText(&v, "source", opt.Source, 100)
	if opt.Channel == "" {
		opt.Channel = "other"
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	opt.BatchSize = min(opt.BatchSize, commerce.MaxBatch, customer.MaxBatch, lead.MaxBatch)
	opt.Currency = strings.ToUpper(opt.Currency)
	if opt.Currency != "" && !crm.ValidCurrency(opt.Currency) {
		v.Add("currency", "invalid_currency")
	}
	if err := v.Err("importer.Run"); err != nil {
		return opt, err
	}
	if opt.Type == Leads && (im.Leads == nil || im.Directory == nil) {
		return opt, crm.Internal("importer.Run", errors.New("lead imports are not wired"))
	}
	if opt.Type == Products || opt.Type == Orders {
		current, err := im.Commerce.Currency(ctx)
		if err != nil {
			return opt, err
		}
		if current != "" && opt.Currency != "" && opt.Currency != current {
			var v crm.Violations
			v.Add("currency", "currency_mismatch", "currency", current)
			return opt, v.Err("importer.Run")
		}
		if current != "" {
			opt.Currency = current
		}
		if opt.Currency == "" {
			opt.Currency = im.Commerce.DefaultCurrency()
		}
	}
	return opt, nil
}

// checkpointAt is the checkpoint after records were read, of which those
// from ordinal pending on (-1: none) are read but not written yet: the
// report is taken back to before them.
func checkpointAt(rep *Report, records int, lines []int, pending int) Checkpoint {
	c := Checkpoint{Records: records, Report: *rep}
	if pending < 0 {
		c.Report.Problems = slices.Clone(rep.Problems)
		return c
	}
	c.Records = pending - 1
	unwritten := records - c.Records
	c.Report.RowsRead -= unwritten
	// lines holds the line of each record read since the last flush; the
	// unwritten records are its last ones.
	from := lines[max(0, len(lines)-unwritten)]
	c.Report.Problems = nil
	for _, p := range rep.Problems {
		if p.Line < from {
			c.Report.Problems = append(c.Report.Problems, p)
		} else if p.Level == "rejected" {
			c.Report.Rejected--
		}
	}
	return c
}

// handler imports the rows of one record type, a batch at a time.
type handler interface {
	add(ctx context.Context, r row) error
	full() bool
	// firstPending is the ordinal of the first record added but not yet
	// written, or -1.
	firstPending() int
	// flush writes the records gathered; final is set at the end of the
	// file, when a record still being gathered is complete.
	flush(ctx context.Context, final bool) error
}

func (im *Importer) handler(opt Options, rep *Report) handler {
	switch opt.Type {
	case Contacts:
		return &contactRows{im: im, opt: opt, rep: rep}
	case Companies:
		return &companyRows{im: im, opt: opt, rep: rep}
	case Products:
		return &productRows{im: im, opt: opt, rep: rep}
	case Orders:
		return &orderRows{im: im, opt: opt, rep: rep}
	case Leads:
		return &leadRows{im: im, opt: opt, rep: rep}
	}
	return &eventRows{im: im, opt: opt, rep: rep}
}

// row is one line of the file with the field each cell maps to.
type row struct {
	ordinal int // the how-manieth record of the file, from 1
	line    int
	cells   []string
	mapping []string
}

// get returns the trimmed cell of a field, "" when absent. The apostrophe
// that CSV exports (ours among them) put before a cell that a spreadsheet
// would take for a formula ('+886…, '=…) is taken off again.
func (r row) get(field string) string {
	for i, f := range r.mapping {
		if f == field && i < len(r.cells) {
			v := strings.TrimSpace(r.cells[i])
			if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@", rune(v[1])) {
				v = v[1:]
			}
			return v
		}
	}
	return ""
}

func (rep *Report) reject(line int, reason string, cells []string) {
	rep.Rejected++
	rep.Problems = append(rep.Problems, RowProblem{Line: line, Level: "rejected", Reason: reason, Cells: cells})
}

func (rep *Report) warn(line int, reason string) {
	rep.Problems = append(rep.Problems, RowProblem{Line: line, Level: "warning", Reason: reason})
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// checkMapping validates a given mapping, or guesses one, and checks that
// it has what the record type needs.
func checkMapping(t RecordType, header, given []string) ([]string, error) {
	const op = "importer.mapping"
	var v crm.Violations
	mapping := given
	if mapping == nil {
		mapping = GuessMapping(t, header)
	}
	if len(mapping) != len(header) {
		v.Add("mapping", "wrong_length", "columns", len(header))
		return nil, v.Err(op)
	}
	fields := Fields(t)
	seen := map[string]bool{}
	for i, f := range mapping {
		switch {
		case f == "":
		case !slices.Contains(fields, f):
			v.Add(fmt.Sprintf("mapping[%d]", i), "unknown_target_field", "field", f, "allowed", fields)
		case seen[f]:
			v.Add(fmt.Sprintf("mapping[%d]", i), "field_twice", "field", f)
		}
		seen[f] = true
	}
	need := map[RecordType][][]string{
		Contacts:  {{"display_name", "family_name", "given_name", "email", "phone", "mobile", "external_id"}},
		Companies: {{"name"}},
		Products:  {{"sku"}, {"name"}, {"price"}},
		Orders:    {{"quantity"}, {"unit_price", "line_total", "sku"}},
		Events:    {{"type"}, {"contact_id", "external_id", "email", "phone", "anonymous_id"}},
		Leads:     {{"name", "email", "phone"}},
	}[t]
	for _, anyOf := range need {
		if !slices.ContainsFunc(anyOf, func(f string) bool { return seen[f] }) {
			v.Add("mapping", "missing_column", "one_of", anyOf)
		}
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	return mapping, nil
}

// countingReader counts the bytes read, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// describe renders a service's error for a person reading the report.
func describe(err error) string {
	e, ok := crm.AsError(err)
	if !ok {
		return err.Error()
	}
	var parts []string
	for _, f := range e.Fields {
		s := f.Field + ": " + f.Code
		if len(f.Params) > 0 {
			s += " " + fmt.Sprint(f.Params)
		}
		parts = append(parts, s)
	}
	if len(parts) > 0 {
		return strings.Join(parts, "; ")
	}
	s := e.Code
	if len(e.Params) > 0 {
		s += " " + fmt.Sprint(e.Params)
	}
	return s
}
