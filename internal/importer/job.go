package importer

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/csvfile"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// Imports sent over the API run as jobs: the file is stored, a job names it,
// and the job's progress and result are the import's. A server that stops
// mid-import leaves a checkpoint written with the last batch, and the next
// run of the job goes on from there.

// JobKind is the kind of import jobs.
const JobKind = "import"

// MaxUpload bounds the size of a file sent for import (after gunzip).
const MaxUpload = 256 << 20

// Upload is a stored file.
type Upload struct {
	ID        int64
	Name      string
	Content   []byte
	CreatedBy *int64
	CreatedAt time.Time
}

// Uploads stores files for jobs.
type Uploads interface {
	CreateUpload(ctx context.Context, u *Upload) error
	Upload(ctx context.Context, id int64) (*Upload, error)
}

// Request is an import as a client asks for it: the options in the form a
// job payload keeps.
type Request struct {
	Type        RecordType `json:"type"`
	Encoding    string     `json:"encoding,omitempty"`
	Comma       string     `json:"comma,omitempty"`
	Mapping     []string   `json:"mapping,omitempty"`
	DryRun      bool       `json:"dry_run,omitempty"`
	OnDuplicate Duplicates `json:"on_duplicate,omitempty"`
	Source      string     `json:"source,omitempty"`
	Channel     string     `json:"channel,omitempty"`
	DateOrder   string     `json:"date_order,omitempty"`
	TimeZone    string     `json:"time_zone,omitempty"`
}

// Options turns a request into import options.
func (r Request) Options() (Options, error) {
	opt := Options{Type: r.Type, Mapping: r.Mapping, DryRun: r.DryRun, OnDuplicate: r.OnDuplicate, Source: r.Source,
		Channel: r.Channel, DateOrder: r.DateOrder}
	var v crm.Violations
	if r.Encoding != "" {
		enc, err := csvfile.ParseEncoding(r.Encoding)
		if err != nil {
			v.Add("encoding", "invalid_choice", "allowed", csvfile.Encodings())
		}
		opt.Encoding = enc
	}
	switch {
	case r.Comma == "":
	case r.Comma == "tab" || r.Comma == `\t`:
		opt.Comma = '\t'
	case utf8.RuneCountInString(r.Comma) == 1:
		opt.Comma, _ = utf8.DecodeRuneInString(r.Comma)
	default:
		v.Add("comma", "invalid_choice", "allowed", []string{",", ";", "tab"})
	}
	if r.TimeZone != "" {
		loc, err := time.LoadLocation(r.TimeZone)
		if err != nil {
			v.Add("time_zone", "invalid_choice", "allowed", "an IANA zone such as Asia/Taipei")
		}
		opt.Location = loc
	}
	return opt, v.Err("importer.Request")
}

// jobPayload is what an import job keeps in its payload.
type jobPayload struct {
	UploadID int64   `json:"upload_id"`
	Request  Request `json:"request"`
}

// Start stores a file and enqueues its import, as the acting user. The
// options and the file's header are checked first, so that a request that
// cannot work is refused at once rather than failing later.
func (im *Importer) Start(ctx context.Context, name string, content []byte, req Request) (*jobs.Job, error) {
	const op = "importer.Start"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.CanWrite() {
		return nil, crm.Forbidden(op)
	}
	content, err = gunzip(content)
	if err != nil {
		return nil, err
	}
	if _, err := im.Preview(ctx, content, req, 0); err != nil {
		return nil, err
	}
	var job *jobs.Job
	err = im.Tx.InTx(ctx, func(ctx context.Context) error {
		u := &Upload{Name: name, Content: content, CreatedBy: p.ActorID(), CreatedAt: time.Now().UTC()}
		if err := im.Uploads.CreateUpload(ctx, u); err != nil {
			return err
		}
		var err error
		job, err = im.Jobs.Enqueue(ctx, jobs.Spec{Kind: JobKind, Payload: jobPayload{UploadID: u.ID, Request: req}, MaxAttempts: 3})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return job, nil
}

// gunzip inflates a gzip-compressed upload; other files pass as they are.
func gunzip(content []byte) ([]byte, error) {
	if len(content) < 2 || content[0] != 0x1f || content[1] != 0x8b {
		return content, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(content))
	if err != nil {
		return nil, crm.E("importer.gunzip", crm.KindInvalid, "unreadable_file").With("detail", err.Error())
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxUpload+1))
	if err != nil {
		return nil, crm.E("importer.gunzip", crm.KindInvalid, "unreadable_file").With("detail", err.Error())
	}
	if len(out) > MaxUpload {
		return nil, crm.E("importer.gunzip", crm.KindTooLarge, "body_too_large").With("max", MaxUpload)
	}
	return out, nil
}

// Preview is what an import would read: the file's encoding, separator,
// header, the mapping, and its first rows.
type Preview struct {
	Encoding string     `json:"encoding"`
	Comma    string     `json:"comma"`
	Header   []string   `json:"header"`
	Mapping  []string   `json:"mapping"`
	Fields   []string   `json:"fields" doc:"The fields a column may map to"`
	Rows     [][]string `json:"rows" nullable:"false"`
}

// Preview reads the header and up to n rows of a file.
func (im *Importer) Preview(ctx context.Context, content []byte, req Request, n int) (*Preview, error) {
	const op = "importer.Preview"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	content, err := gunzip(content)
	if err != nil {
		return nil, err
	}
	opt, err := req.Options()
	if err != nil {
		return nil, err
	}
	if opt, err = im.defaults(ctx, opt); err != nil {
		return nil, err
	}
	rd, err := csvfile.NewReader(bytes.NewReader(content), csvfile.Options{Encoding: opt.Encoding, Comma: opt.Comma})
	if err != nil {
		return nil, crm.E(op, crm.KindInvalid, "unreadable_file").With("detail", err.Error())
	}
	header, err := rd.Header()
	if err != nil {
		return nil, crm.E(op, crm.KindInvalid, "unreadable_file").With("detail", err.Error())
	}
	mapping, err := checkMapping(opt.Type, header, opt.Mapping)
	if err != nil {
		return nil, err
	}
	pv := &Preview{Encoding: string(rd.Encoding()), Comma: string(rd.Comma()), Header: header, Mapping: mapping,
		Fields: Fields(opt.Type), Rows: [][]string{}}
	for len(pv.Rows) < n {
		rec, _, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			continue // the import reports it with its line
		}
		pv.Rows = append(pv.Rows, rec)
	}
	return pv, nil
}

// JobState is an import job's progress: its last checkpoint.
type JobState struct {
	Checkpoint
}

// RunJob is the handler of import jobs. It acts as the user who started
// the import, resumes from the job's last checkpoint, and leaves the report
// as the job's result.
func (im *Importer) RunJob(ctx context.Context, run *jobs.Run) error {
	var payload jobPayload
	if err := run.Decode(&payload); err != nil {
		return err
	}
	if run.Job.CreatedBy == nil {
		return jobs.Permanent(errors.New("importer: an import job without a user"))
	}
	p, err := im.Principal(ctx, *run.Job.CreatedBy)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("importer: the user of job %d: %w", run.Job.ID, err))
	}
	ctx = crm.WithPrincipal(ctx, p)
	u, err := im.Uploads.Upload(ctx, payload.UploadID)
	if err != nil {
		return jobs.Permanent(err)
	}
	opt, err := payload.Request.Options()
	if err != nil {
		return jobs.Permanent(err)
	}
	var state JobState
	if ok, err := run.Progress(&state); err != nil {
		return jobs.Permanent(err)
	} else if ok && !opt.DryRun {
		opt.Resume = &state.Checkpoint
	}
	opt.Checkpoint = func(ctx context.Context, c Checkpoint) error {
		return run.Checkpoint(ctx, JobState{Checkpoint: c})
	}
	rep, err := im.Run(ctx, bytes.NewReader(u.Content), int64(len(u.Content)), opt, nil)
	if err != nil {
		if k := crm.KindOf(err); k != crm.KindInternal && k != crm.KindUnavailable {
			_ = run.SetResult(map[string]string{"error": describe(err)})
			return jobs.Permanent(err)
		}
		return err
	}
	return run.SetResult(rep)
}

// Outcome is how an import job stands, read from the job: how far it got,
// its report once it has finished, and why it failed if it did.
type Outcome struct {
	Progress Progress
	// Percent is how much of the file has been read, 0–100.
	Percent float64
	Report  *Report
	Error   string
}

// OutcomeOf reads how an import job stands.
func OutcomeOf(j *jobs.Job) (*Outcome, error) {
	o := &Outcome{}
	if len(j.Progress) > 0 {
		var s JobState
		if err := json.Unmarshal(j.Progress, &s); err != nil {
			return nil, err
		}
		o.Progress = s.Report.Progress
	}
	if len(j.Result) > 0 {
		var res struct {
			Report
			Error string `json:"error"`
		}
		if err := json.Unmarshal(j.Result, &res); err != nil {
			return nil, err
		}
		if o.Error = res.Error; o.Error == "" {
			o.Report, o.Progress = &res.Report, res.Report.Progress
		}
	}
	if o.Error == "" && j.Status == jobs.StatusFailed {
		o.Error = j.LastError
	}
	o.Percent = o.Progress.Percent()
	if j.Status == jobs.StatusSucceeded {
		o.Percent = 100
	}
	return o, nil
}
