package api

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// ImportParams are the options of an import, as query parameters beside
// the file in the body.
type ImportParams struct {
	Type        string `query:"type" required:"true" enum:"contacts,companies,products,orders,events,leads" doc:"What the file holds"`
	Name        string `query:"name" maxLength:"200" doc:"The file's name, for people"`
	Encoding    string `query:"encoding" maxLength:"20" doc:"utf-8, utf-16, big5, gbk or gb18030; detected when absent"`
	Comma       string `query:"comma" maxLength:"3" doc:"Cell separator: , ; or tab; detected when absent"`
	Mapping     string `query:"mapping" maxLength:"4000" doc:"The field of each column, comma-separated, empty to skip one; guessed from the headers (English and Chinese) when absent"`
	DryRun      bool   `query:"dry_run" doc:"Check everything and write nothing: the report says exactly what an import would do"`
	OnDuplicate string `query:"on_duplicate" enum:"skip,update," doc:"Rows matching a stored record (email, phone, external id; SKU): skip (default) or update. Leads have no uniqueness: every lead row makes a lead"`
	Source      string `query:"source" maxLength:"100" doc:"The system the file comes from: the namespace of its customer ids, and the source of leads whose row names none (default import)"`
	Channel     string `query:"channel" maxLength:"30" doc:"Channel of orders and events that name none"`
	DateOrder   string `query:"date_order" enum:"ymd,mdy,dmy," doc:"Order of dates written with slashes"`
	TimeZone    string `query:"time_zone" maxLength:"60" doc:"Zone of times written without one, e.g. Asia/Taipei (default UTC)"`
}

func (p ImportParams) request() importer.Request {
	r := importer.Request{Type: importer.RecordType(p.Type), Encoding: p.Encoding, Comma: p.Comma, DryRun: p.DryRun,
		OnDuplicate: importer.Duplicates(p.OnDuplicate), Source: p.Source, Channel: p.Channel, DateOrder: p.DateOrder, TimeZone: p.TimeZone}
	if p.Mapping != "" {
		r.Mapping = splitComma(p.Mapping)
	}
	return r
}

func splitComma(s string) []string {
	var out []string
	for _, f := range bytes.Split([]byte(s), []byte(",")) {
		out = append(out, string(bytes.TrimSpace(f)))
	}
	return out
}

// ImportView is an import: the job running it, how far it got and, once
// done, its report.
type ImportView struct {
	ID         int64             `json:"id"`
	Status     jobs.Status       `json:"status" doc:"queued, running, succeeded, failed or cancelled"`
	Progress   importer.Progress `json:"progress"`
	Percent    float64           `json:"percent" doc:"How much of the file has been read, 0–100"`
	Report     *importer.Report  `json:"report,omitempty" doc:"Once the import has finished"`
	Error      string            `json:"error,omitempty" doc:"Why a failed import stopped"`
	ProblemsAt string            `json:"problems_url,omitempty" doc:"The rejected rows and warnings as CSV"`
	Attempts   int               `json:"attempts"`
	CreatedAt  time.Time         `json:"created_at"`
	FinishedAt *time.Time        `json:"finished_at,omitempty"`
}

func importView(j *jobs.Job) (*ImportView, error) {
	o, err := importer.OutcomeOf(j)
	if err != nil {
		return nil, err
	}
	v := &ImportView{ID: j.ID, Status: j.Status, Attempts: j.Attempts, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt,
		Progress: o.Progress, Percent: o.Percent, Report: o.Report, Error: o.Error}
	if o.Report != nil && len(o.Report.Problems) > 0 {
		v.ProblemsAt = Prefix + "/imports/" + strconv.FormatInt(j.ID, 10) + "/problems.csv"
	}
	if v.Report != nil {
		v.Report.Problems = nil // at problems_url: a report may list many thousands
	}
	return v, nil
}

// ImportOutput is an import with its address.
type ImportOutput struct {
	Status   int
	Location string `header:"Location"`
	Body     *ImportView
}

type startImportInput struct {
	ImportParams
	RawBody []byte
}

func (a *API) startImport(ctx context.Context, in *startImportInput) (*ImportOutput, error) {
	j, err := a.deps.Importer.Start(ctx, in.Name, in.RawBody, in.request())
	if err != nil {
		return nil, err
	}
	v, err := importView(j)
	if err != nil {
		return nil, err
	}
	return &ImportOutput{Status: 202, Location: Prefix + "/imports/" + strconv.FormatInt(j.ID, 10), Body: v}, nil
}

// PreviewOutput is what an import would read.
type PreviewOutput struct {
	Body *importer.Preview
}

func (a *API) previewImport(ctx context.Context, in *startImportInput) (*PreviewOutput, error) {
	pv, err := a.deps.Importer.Preview(ctx, in.RawBody, in.request(), 10)
	if err != nil {
		return nil, err
	}
	return &PreviewOutput{Body: pv}, nil
}

func (a *API) getImport(ctx context.Context, in *IDPath) (*ImportOutput, error) {
	j, err := a.importJob(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	v, err := importView(j)
	if err != nil {
		return nil, err
	}
	return &ImportOutput{Status: 200, Body: v}, nil
}

// importJob reads a job the caller may see that is an import.
func (a *API) importJob(ctx context.Context, id int64) (*jobs.Job, error) {
	j, err := a.deps.Jobs.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.Kind != importer.JobKind {
		return nil, notFoundImport(id)
	}
	return j, nil
}

// CSVOutput is a CSV file.
type CSVOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func (a *API) importProblems(ctx context.Context, in *IDPath) (*CSVOutput, error) {
	j, err := a.importJob(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	o, err := importer.OutcomeOf(j)
	if err != nil {
		return nil, err
	}
	if o.Report == nil {
		return nil, notFoundImport(in.ID)
	}
	var b bytes.Buffer
	if err := importer.WriteProblems(&b, o.Report); err != nil {
		return nil, err
	}
	return &CSVOutput{ContentType: "text/csv; charset=utf-8",
		ContentDisposition: `attachment; filename="import-` + strconv.FormatInt(in.ID, 10) + `-problems.csv"`, Body: b.Bytes()}, nil
}

type listImportsInput struct {
	PageParams
}

func (a *API) listImports(ctx context.Context, in *listImportsInput) (*ListOutput[*ImportView], error) {
	page, err := a.deps.Jobs.List(ctx, jobs.Filter{Kind: importer.JobKind, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &ListOutput[*ImportView]{Body: ListBody[*ImportView]{Items: make([]*ImportView, len(page.Items)), Next: page.Next}}
	for i, j := range page.Items {
		if out.Body.Items[i], err = importView(j); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func notFoundImport(id int64) error { return crm.NotFound("api.import", "import", id) }
