package web

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// The deal page: its stage with a move control, its figures, products,
// people with their buying roles, company, next step, the history of its
// moves, and its quotes (made from the deal's products; sent, accepted or
// rejected here; printed from the API's quote document, which the session
// cookie opens). Everyone who may read the deal sees the page; the controls
// show for those who may change it, as the service decides.

const maxQuoteForm = 32 << 10 // terms and notes of up to 5,000 characters each

type dealScreen struct {
	page
	D         *sales.Deal
	Pipeline  *sales.Pipeline
	Stage     string
	Owner     string
	Company   string
	CompanyID int64
	Contacts  []dealPerson
	Changes   []stageMove
	Quotes    []quoteView
	Currency  string
	CanWrite  bool
	CloseOn   template.HTML
	StepDue   string
	Board     string // the board of the deal's pipeline
	Message   string
	Move      dealMove
	Quote     quoteForm
	Acts      dealActs // its activities and the form that logs one
}

// dealPerson is a contact of the deal with their buying role.
type dealPerson struct {
	ID   int64
	Name string
	Role string
	Gone bool // merged away or erased: no page to link to
}

// stageMove is a line of the stage history.
type stageMove struct {
	At       time.Time
	From, To string
	Created  bool
	Reopened bool
	Status   string
	By       string
	Days     string
}

// quoteView is a quote of the deal, with its validity in the user's
// language.
type quoteView struct {
	*sales.Quote
	Valid template.HTML
}

// dealMove is the move control: the stages, the lost reason, what was
// wrong with the last try.
type dealMove struct {
	DealID    int64
	Version   int64
	Options   []moveOption
	LostStage string // the lost stage's name, for the reason's label
	Reason    string
	Back      string
	// Errors are the reasons the last move was refused; ReasonError is
	// the one of the lost reason.
	Errors      []string
	ReasonError string
}

// moveOption is a stage to move to.
type moveOption struct {
	optionView
	Kind string
}

func (m *dealMove) choose(stageID int64) {
	for i := range m.Options {
		m.Options[i].Selected = m.Options[i].Value == strconv.FormatInt(stageID, 10)
	}
}

// quoteForm is the form that makes a quote, and what was wrong with it.
type quoteForm struct {
	ValidUntil, Terms, Notes string
	Errors                   []string
	Open                     bool // show the optional fields
}

func (h *Web) dealPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	data, err := h.dealData(r, id)
	if err != nil {
		return err
	}
	lang := h.lang(r)
	q := r.URL.Query()
	switch {
	case q.Get("moved") != "":
		data.Message = i18n.Message(lang, "deal.moved", map[string]any{"stage": data.Stage})
	case q.Get("made") != "" || q.Get("decided") != "":
		for _, qt := range data.Quotes {
			if s := strconv.FormatInt(qt.ID, 10); s == q.Get("made") {
				data.Message = i18n.Message(lang, "quote_ui.made", map[string]any{"number": qt.Number})
			} else if s == q.Get("decided") {
				status := "quote." + qt.Status // quote.sent, quote.accepted …
				data.Message = i18n.Message(lang, "quote_ui.decided", map[string]any{"number": qt.Number,
					"status": i18n.Message(lang, status, nil)})
			}
		}
	case q.Get("logged") != "" || q.Get("done") != "":
		// An activity just logged or marked done: its subject, read
		// again (one gone meanwhile gets no message).
		key, param := "tasks.logged", q.Get("logged")
		if param == "" {
			key, param = "tasks.completed", q.Get("done")
		}
		if actID, err := strconv.ParseInt(param, 10, 64); err == nil && actID > 0 {
			if a, err := h.deps.Activities.Get(r.Context(), actID); err == nil {
				data.Acts.Message = i18n.Message(lang, key, map[string]any{"subject": subjectOf(lang, a)})
			}
		}
	}
	h.render(w, r, http.StatusOK, "deal", "page", data)
	return nil
}

// dealData reads what the deal page shows.
func (h *Web) dealData(r *http.Request, id int64) (*dealScreen, error) {
	ctx := r.Context()
	lang := h.lang(r)
	d, err := h.deps.Sales.GetDeal(ctx, id)
	if err != nil {
		return nil, err
	}
	pipelines, err := h.deps.Sales.ListPipelines(ctx)
	if err != nil {
		return nil, err
	}
	stages := salesStageNames(pipelines)
	users, err := h.salesUserNames(ctx)
	if err != nil {
		return nil, err
	}
	p := principal(ctx)
	data := &dealScreen{page: h.page(r, ""), D: d, Currency: h.salesCurrency(d.Currency), CanWrite: p.WritesRecord(d.OwnerID, d.TeamID),
		Owner: users.name(lang, d.OwnerID), Stage: stages[d.StageID].Name, Board: boardURL(d.PipelineID, 0)}
	data.Nav = "pipeline"
	if d.ExpectedCloseOn != "" {
		data.CloseOn = salesDay(lang, d.ExpectedCloseOn)
	}
	if d.NextStepDueOn != "" {
		data.StepDue = salesDayText(lang, d.NextStepDueOn)
	}
	for _, pl := range pipelines {
		if pl.ID == d.PipelineID {
			data.Pipeline = pl
		}
	}
	data.Move = dealMove{DealID: d.ID, Version: d.Version}
	if data.Pipeline != nil {
		for _, st := range data.Pipeline.Stages {
			label := st.Name
			if st.ID == d.StageID {
				label = i18n.Message(lang, "deal.current", map[string]any{"stage": st.Name})
			}
			if st.Kind == sales.KindLost {
				data.Move.LostStage = st.Name
			}
			data.Move.Options = append(data.Move.Options, moveOption{optionView: optionView{Value: strconv.FormatInt(st.ID, 10),
				Label: label, Selected: st.ID == d.StageID}, Kind: st.Kind})
		}
	}

	// The people and the company, as the user may see them (a colleague's
	// contact shows its basic card: the name).
	for _, c := range d.Contacts {
		person := dealPerson{ID: c.ContactID, Role: c.Role}
		contact, err := h.deps.Customers.GetContact(ctx, c.ContactID)
		switch {
		case crm.IsKind(err, crm.KindNotFound):
			person.Gone = true
			person.Name = i18n.Message(lang, "deal.contact_gone", map[string]any{"id": c.ContactID})
		case err != nil:
			return nil, err
		default:
			person.Name = contact.DisplayName
		}
		data.Contacts = append(data.Contacts, person)
	}
	if d.CompanyID != nil {
		data.CompanyID = *d.CompanyID
		company, err := h.deps.Customers.GetCompany(ctx, *d.CompanyID)
		switch {
		case crm.IsKind(err, crm.KindNotFound):
			data.Company = "#" + strconv.FormatInt(*d.CompanyID, 10)
		case err != nil:
			return nil, err
		default:
			data.Company = company.Name
		}
	}

	changes, err := h.deps.Sales.DealStageChanges(ctx, id)
	if err != nil {
		return nil, err
	}
	stageName := func(id *int64) string {
		if id == nil {
			return i18n.Message(lang, "deal.deleted_stage", nil)
		}
		if st, ok := stages[*id]; ok {
			return st.Name
		}
		return i18n.Message(lang, "deal.deleted_stage", nil)
	}
	for _, c := range changes {
		m := stageMove{At: c.At, To: stageName(c.ToStageID), Created: c.FromStageID == nil && c.FromStatus == "", Reopened: c.Reopened,
			Status: c.ToStatus, Days: salesDays(lang, c.DaysInFromStage)}
		if !m.Created {
			m.From = stageName(c.FromStageID)
		}
		if c.ActorID == nil {
			m.By = i18n.Message(lang, "deal.system", nil)
		} else {
			m.By = users.name(lang, c.ActorID)
		}
		data.Changes = append(data.Changes, m)
	}
	quotes, err := h.deps.Sales.DealQuotes(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, q := range quotes {
		data.Quotes = append(data.Quotes, quoteView{Quote: q, Valid: salesDay(lang, q.ValidUntil)})
	}
	if data.Acts, err = h.dealActivities(ctx, r, d, r.URL.Query().Get("acts")); err != nil {
		return nil, err
	}
	return data, nil
}

// createQuote makes a quote of the deal's products as they are now.
func (h *Web) createQuote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxQuoteForm); err != nil {
		return err
	}
	in := sales.QuoteInput{ValidUntil: r.PostForm.Get("valid_until"), Terms: r.PostForm.Get("terms"), Notes: r.PostForm.Get("notes")}
	q, err := h.deps.Sales.CreateQuote(r.Context(), id, in)
	if err != nil {
		return h.quoteFailed(w, r, id, quoteForm{ValidUntil: in.ValidUntil, Terms: in.Terms, Notes: in.Notes}, err)
	}
	seeOther(w, r, "/deals/"+strconv.FormatInt(id, 10)+"?made="+strconv.FormatInt(q.ID, 10)+"#quotes")
	return nil
}

// decideQuote sends, accepts (perhaps marking the deal won) or rejects a
// quote.
func (h *Web) decideQuote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxMoveForm); err != nil {
		return err
	}
	version, err := salesFormID(r, "version")
	if err != nil {
		return err
	}
	in := sales.QuoteDecision{Status: r.PostForm.Get("status"), MarkWon: r.PostForm.Get("mark_won") != ""}
	q, err := h.deps.Sales.DecideQuote(r.Context(), id, version, in)
	if err != nil {
		quote, qerr := h.deps.Sales.GetQuote(r.Context(), id)
		if qerr != nil {
			return err
		}
		return h.quoteFailed(w, r, quote.DealID, quoteForm{}, err)
	}
	seeOther(w, r, "/deals/"+strconv.FormatInt(q.DealID, 10)+"?decided="+strconv.FormatInt(q.ID, 10)+"#quotes")
	return nil
}

// quoteFields are the labels of the quote form's fields.
var quoteFields = map[string]string{"valid_until": "quote_ui.valid_until", "terms": "quote_ui.terms", "notes": "quote_ui.notes"}

// quoteFailed shows the deal page with the reason a quote was refused,
// when the user can mend it; other errors are the error page's.
func (h *Web) quoteFailed(w http.ResponseWriter, r *http.Request, dealID int64, form quoteForm, quoteErr error) error {
	ce, ok := crm.AsError(quoteErr)
	if !ok || (ce.Kind != crm.KindInvalid && ce.Kind != crm.KindStale && ce.Kind != crm.KindConflict) {
		return quoteErr
	}
	data, err := h.dealData(r, dealID)
	if err != nil {
		return err
	}
	lang := h.lang(r)
	form.Open = form.ValidUntil != "" || form.Terms != "" || form.Notes != ""
	for _, f := range ce.Fields {
		msg := i18n.Message(lang, f.Code, f.Params)
		if key, ok := quoteFields[f.Field]; ok {
			msg = i18n.Message(lang, key, nil) + ": " + msg
		}
		form.Errors = append(form.Errors, msg)
	}
	if len(ce.Fields) == 0 {
		form.Errors = append(form.Errors, i18n.Message(lang, ce.Code, ce.Params))
	}
	data.Quote = form
	h.render(w, r, httpx.ProblemFor(r.Context(), quoteErr).Status, "deal", "page", data)
	return nil
}
