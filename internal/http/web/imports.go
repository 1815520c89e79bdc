package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/csvfile"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// Import: choose a CSV file; see how it will be read (encoding, separator,
// the field of each column as editable selects, the first rows); start it
// as a durable job; watch its progress; download the rows it refused.
//
// The file stays in the form's file input while the user looks at the
// preview, and goes up again with Start: no file is kept on the server
// before the import is started, so any server behind a load balancer can
// answer any step.

// previewRows is how many rows the preview shows.
const previewRows = 5

type importPage struct {
	page
	Type        string
	Encoding    string
	OnDuplicate string
	Preview     *importer.Preview
	Error       string
	Errors      []string
}

// Types lists the kinds of file the page imports.
func (importPage) Types() []string {
	return []string{string(importer.Contacts), string(importer.Companies), string(importer.Products),
		string(importer.Orders), string(importer.Events), string(importer.Leads)}
}

// Encodings lists the encodings one may choose instead of detection.
func (importPage) Encodings() []string {
	var out []string
	for _, e := range csvfile.Encodings() {
		out = append(out, string(e))
	}
	return out
}

func (h *Web) importPage(w http.ResponseWriter, r *http.Request) error {
	if !principal(r.Context()).CanWrite() {
		return crm.Forbidden("web.import")
	}
	data := &importPage{page: h.page(r, "import.title"), Type: string(importer.Contacts)}
	data.Nav = "import"
	h.render(w, r, http.StatusOK, "import", "page", data)
	return nil
}

// importUpload is the import form as sent: the file and the options.
type importUpload struct {
	name    string
	content []byte
	req     importer.Request
}

// readUpload reads the multipart form, the file whole (the importer needs
// it whole, and bounds its size).
func readUpload(w http.ResponseWriter, r *http.Request, withMapping bool) (*importUpload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, importer.MaxUpload+1<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, crm.E("web.import", crm.KindMalformed, "malformed_request").With("detail", err.Error())
	}
	f := r.MultipartForm
	// The server removes the temporary files of the request it made, not
	// of the copies the middleware passed on: this one's are ours to remove.
	defer func() { _ = f.RemoveAll() }()
	up := &importUpload{req: importer.Request{
		Type:        importer.RecordType(r.FormValue("type")),
		Encoding:    r.FormValue("encoding"),
		OnDuplicate: importer.Duplicates(r.FormValue("on_duplicate")),
	}}
	if withMapping {
		up.req.Mapping = f.Value["mapping"]
	}
	files := f.File["file"]
	if len(files) == 0 || files[0].Size == 0 {
		var v crm.Violations
		v.Add("file", "required")
		return nil, v.Err("web.import")
	}
	file, err := files[0].Open()
	if err != nil {
		return nil, err
	}
	defer file.Close()
	up.name = files[0].Filename
	if up.content, err = io.ReadAll(file); err != nil {
		return nil, err
	}
	return up, nil
}

// previewImport answers a chosen file (or another type or encoding) with
// the preview: what the import would read, with the guessed mapping.
func (h *Web) previewImport(w http.ResponseWriter, r *http.Request) error {
	data := &importPage{page: h.page(r, "import.title")}
	data.Nav = "import"
	up, err := readUpload(w, r, false)
	if err == nil {
		data.Type, data.Encoding, data.OnDuplicate = string(up.req.Type), up.req.Encoding, string(up.req.OnDuplicate)
		data.Preview, err = h.deps.Importer.Preview(r.Context(), up.content, up.req, previewRows)
	}
	if err != nil {
		status, ok := h.importProblem(r, data, err)
		if !ok {
			return err
		}
		h.renderImport(w, r, status, data, "problems")
		return nil
	}
	h.renderImport(w, r, http.StatusOK, data, "preview-fragment")
	return nil
}

// startImport stores the file and starts its import as a job, then shows
// its progress.
func (h *Web) startImport(w http.ResponseWriter, r *http.Request) error {
	data := &importPage{page: h.page(r, "import.title")}
	data.Nav = "import"
	up, err := readUpload(w, r, true)
	if err == nil {
		data.Type, data.Encoding, data.OnDuplicate = string(up.req.Type), up.req.Encoding, string(up.req.OnDuplicate)
		var j *jobs.Job
		if j, err = h.deps.Importer.Start(r.Context(), up.name, up.content, up.req); err == nil {
			seeOther(w, r, "/imports/"+strconv.FormatInt(j.ID, 10))
			return nil
		}
	}
	status, ok := h.importProblem(r, data, err)
	if !ok {
		return err
	}
	h.renderImport(w, r, status, data, "problems")
	return nil
}

// importProblem puts an invalid file or choice on the page, and returns
// the status to answer with; other errors are the error page's.
func (h *Web) importProblem(r *http.Request, data *importPage, err error) (int, bool) {
	ce, ok := crm.AsError(err)
	if !ok || (ce.Kind != crm.KindInvalid && ce.Kind != crm.KindMalformed) {
		return 0, false
	}
	lang := h.lang(r)
	if len(ce.Fields) == 0 {
		data.Errors = append(data.Errors, i18n.Message(lang, ce.Code, ce.Params))
	}
	for _, f := range ce.Fields {
		data.Errors = append(data.Errors, i18n.Message(lang, f.Code, f.Params))
	}
	return httpx.ProblemFor(r.Context(), err).Status, true
}

// renderImport renders a part of the import page for htmx, else the page.
func (h *Web) renderImport(w http.ResponseWriter, r *http.Request, status int, data *importPage, part string) {
	if isFragment(r) {
		h.render(w, r, status, "import", part, data)
		return
	}
	h.render(w, r, status, "import", "page", data)
}

// importJobView is an import job as the progress page shows it.
type importJobView struct {
	page
	ID       int64
	Name     string
	Status   jobs.Status
	Finished bool
	Progress importer.Progress
	Percent  int
	Report   *importer.Report
	Error    string
	Problems int
}

func (h *Web) importJob(r *http.Request) (*importJobView, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	j, err := h.deps.Jobs.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if j.Kind != importer.JobKind {
		return nil, crm.NotFound("web.importJob", "import", id)
	}
	v := &importJobView{page: h.page(r, "import_job.title"), ID: j.ID, Status: j.Status, Finished: j.Status.Finished()}
	v.Nav = "import"
	o, err := importer.OutcomeOf(j)
	if err != nil {
		return nil, err
	}
	v.Progress, v.Report, v.Error, v.Percent = o.Progress, o.Report, o.Error, int(o.Percent)
	if o.Report != nil {
		v.Problems = len(o.Report.Problems)
	}
	return v, nil
}

func (h *Web) importJobPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.importJob(r)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "import_job", "page", v)
	return nil
}

// importProgress is the part of the page that htmx polls while the job
// runs; once it has finished, the part it sends no longer polls.
func (h *Web) importProgress(w http.ResponseWriter, r *http.Request) error {
	v, err := h.importJob(r)
	if err != nil {
		return err
	}
	if !isFragment(r) {
		http.Redirect(w, r, "/imports/"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
		return nil
	}
	h.render(w, r, http.StatusOK, "import_job", "progress", v)
	return nil
}

// importProblems downloads the rows an import refused and its warnings, as
// CSV that Excel opens (the API's problems.csv, from the same report).
func (h *Web) importProblems(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	j, err := h.deps.Jobs.Get(r.Context(), id)
	if err != nil {
		return err
	}
	o, err := importer.OutcomeOf(j)
	if err != nil {
		return err
	}
	if j.Kind != importer.JobKind || o.Report == nil {
		return crm.NotFound("web.importProblems", "import", id)
	}
	var b bytes.Buffer
	if err := importer.WriteProblems(&b, o.Report); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="import-`+strconv.FormatInt(id, 10)+`-problems.csv"`)
	_, _ = w.Write(b.Bytes())
	return nil
}
