package web

import (
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// The pipeline board: a column per open stage with its deals and totals,
// and the won and lost stages as drop targets. Drag and drop (static/
// pipeline.js) and each card's "Move to" form post to one handler that
// calls sales.Service.MoveDeal with the version the card was drawn at; with
// JavaScript the answer is the board drawn again, without it a redirect
// back to the board. The service decides which deals the user sees (those
// it lists for them) and moves (WritesRecord): a card the user may not move
// has no drag handle and no form.

const (
	boardPageSize    = 500  // deals read per call
	boardMaxDeals    = 2000 // open deals the board adds up at most
	boardCardsShown  = 50   // cards an open column shows
	boardClosedShown = 8    // cards the won and lost columns show
	maxMoveForm      = 8 << 10
)

type boardPage struct {
	page
	P               *sales.Pipeline // the pipeline shown; nil when there is none
	PipelineOptions []optionView    // the picker, when there are several
	Owners          []optionView
	OwnerID         int64
	Columns         []*boardColumn
	Currency        string
	PartialText     string // says the board shows only the newest open deals
	CanMove         bool   // the user may move deals at all
	Message         string // what the last move did
	Back            string // this board's address, where a move without JavaScript returns
	MovedID         int64  // the deal the last move moved
}

// boardColumn is a stage with its cards.
type boardColumn struct {
	sales.Stage
	Cards    []*dealCard
	Count    int64 // open deals in the stage (all of them, shown or not)
	Amount   int64
	Weighted int64
	Hidden   int // open deals not shown
}

// Closed reports whether the column is the won or the lost stage.
func (c *boardColumn) Closed() bool { return c.Kind != sales.KindOpen }

// dealCard is a deal as its card shows it.
type dealCard struct {
	ID, Version int64
	StageID     int64
	Name        string
	Amount      int64
	Currency    string
	Owner       string
	CloseOn     template.HTML // the expected close, or ""
	NextStep    string
	Movable     bool
	Back        string        // the board, where its "Move to" form returns
	Stages      []sales.Stage // the stages it may move to (but its own)
	closedAt    int64         // for the order of the closed columns
}

func (h *Web) pipelinePage(w http.ResponseWriter, r *http.Request) error {
	pipelineID, err := salesQueryID(r, "pipeline")
	if err != nil {
		return err
	}
	ownerID, err := salesQueryID(r, "owner")
	if err != nil {
		return err
	}
	movedID, err := salesQueryID(r, "moved")
	if err != nil {
		return err
	}
	var moved *sales.Deal
	if movedID != 0 {
		// The board after a move without JavaScript: say what happened.
		if moved, err = h.deps.Sales.GetDeal(r.Context(), movedID); err != nil && !crm.IsKind(err, crm.KindNotFound) && !crm.IsKind(err, crm.KindForbidden) {
			return err
		}
	}
	data, err := h.board(r, pipelineID, ownerID, moved)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "pipeline", "page", data)
	return nil
}

// board reads what the board of a pipeline (0: the first) shows, for the
// deals of an owner (0: every deal the user may see). moved, when given, is
// the deal just moved: the board says where it went and shows its card
// even in a closed column whose latest cards would leave it out.
func (h *Web) board(r *http.Request, pipelineID, ownerID int64, moved *sales.Deal) (*boardPage, error) {
	ctx := r.Context()
	p := principal(ctx)
	lang := h.lang(r)
	data := &boardPage{page: h.page(r, "pipeline.title"), OwnerID: ownerID, CanMove: p.CanWrite()}
	data.Nav = "pipeline"
	pipelines, err := h.deps.Sales.ListPipelines(ctx)
	if err != nil {
		return nil, err
	}
	if len(pipelines) == 0 {
		return data, nil
	}
	pl := pipelines[0]
	if pipelineID != 0 {
		i := slices.IndexFunc(pipelines, func(x *sales.Pipeline) bool { return x.ID == pipelineID })
		if i < 0 {
			return nil, crm.NotFound("web.board", "pipeline", pipelineID)
		}
		pl = pipelines[i]
	}
	data.P = pl
	if len(pipelines) > 1 {
		for _, x := range pipelines {
			data.PipelineOptions = append(data.PipelineOptions, optionView{Value: strconv.FormatInt(x.ID, 10), Label: x.Name, Selected: x.ID == pl.ID})
		}
	}
	data.Back = boardURL(pl.ID, ownerID)
	users, err := h.salesUserNames(ctx)
	if err != nil {
		return nil, err
	}
	data.Owners = salesOwnerOptions(lang, p, users, ownerID)
	cur, err := h.deps.Sales.Currency(ctx)
	if err != nil {
		return nil, err
	}
	data.Currency = h.salesCurrency(cur)

	columns := map[int64]*boardColumn{}
	for _, st := range pl.Stages {
		c := &boardColumn{Stage: st}
		columns[st.ID] = c
		data.Columns = append(data.Columns, c)
	}
	card := func(d *sales.Deal) *dealCard {
		c := &dealCard{ID: d.ID, Version: d.Version, StageID: d.StageID, Name: d.Name, Amount: d.Amount, Currency: h.salesCurrency(d.Currency),
			Owner: users.name(lang, d.OwnerID), NextStep: d.NextStep, Movable: p.WritesRecord(d.OwnerID, d.TeamID),
			Back: data.Back, Stages: pl.Stages}
		if d.ExpectedCloseOn != "" {
			c.CloseOn = salesDay(lang, d.ExpectedCloseOn)
		}
		if d.ClosedAt != nil {
			c.closedAt = d.ClosedAt.UnixNano()
		}
		return c
	}

	// The open deals, newest first, a page at a time up to the cap: each
	// column adds up all it got and shows the first of them.
	cursor := ""
	for read := 0; read < boardMaxDeals; {
		page, err := h.deps.Sales.ListDeals(ctx, sales.DealQuery{PipelineID: pl.ID, OwnerID: ownerID, Status: sales.StatusOpen,
			Cursor: cursor, Limit: min(boardPageSize, boardMaxDeals-read)})
		if err != nil {
			return nil, err
		}
		read += len(page.Items)
		for _, d := range page.Items {
			c := columns[d.StageID]
			if c == nil { // moved to another pipeline meanwhile
				continue
			}
			c.Count++
			c.Amount += d.Amount
			c.Weighted += d.Amount * int64(c.Probability) / 100
			if len(c.Cards) < boardCardsShown {
				c.Cards = append(c.Cards, card(d))
			} else {
				c.Hidden++
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
		if read >= boardMaxDeals {
			data.PartialText = i18n.Message(lang, "pipeline.partial", map[string]any{"n": groupDigits(strconv.Itoa(boardMaxDeals))})
		}
	}

	// The won and lost columns: drop targets, with their latest deals.
	for _, c := range data.Columns {
		if !c.Closed() {
			continue
		}
		page, err := h.deps.Sales.ListDeals(ctx, sales.DealQuery{PipelineID: pl.ID, StageID: c.ID, OwnerID: ownerID, Limit: boardClosedShown})
		if err != nil {
			return nil, err
		}
		for _, d := range page.Items {
			c.Cards = append(c.Cards, card(d))
		}
		if moved != nil && moved.StageID == c.ID && (ownerID == 0 || (moved.OwnerID != nil && *moved.OwnerID == ownerID)) &&
			!slices.ContainsFunc(c.Cards, func(x *dealCard) bool { return x.ID == moved.ID }) {
			c.Cards = append(c.Cards, card(moved))
		}
		slices.SortStableFunc(c.Cards, func(a, b *dealCard) int { return cmp.Compare(b.closedAt, a.closedAt) })
		c.Cards = c.Cards[:min(len(c.Cards), boardClosedShown)]
	}

	if moved != nil {
		data.MovedID = moved.ID
		stage := moved.StageID
		name := "#" + strconv.FormatInt(stage, 10)
		for _, x := range pipelines {
			for _, st := range x.Stages {
				if st.ID == stage {
					name = st.Name
				}
			}
		}
		data.Message = i18n.Message(lang, "pipeline.moved", map[string]any{"deal": moved.Name, "stage": name})
	}
	return data, nil
}

// boardURL is the address of a pipeline's board, for an owner (0: all).
func boardURL(pipelineID, ownerID int64) string {
	q := url.Values{}
	q.Set("pipeline", strconv.FormatInt(pipelineID, 10))
	if ownerID != 0 {
		q.Set("owner", strconv.FormatInt(ownerID, 10))
	}
	return "/pipeline?" + q.Encode()
}

// moveDeal moves a deal to a stage: the drop of a card, its "Move to"
// form, or the move control of the deal page. The version is the one the
// card or page was drawn at, so that a move over someone else's change is
// refused (stale) rather than made blindly.
//
// Asked by the board's script (HX-Target: board) it answers with the board
// drawn again; refused, with the reason as an alert (fail), and the script
// puts the card back. A plain form is redirected to where it came from
// (back), or, refused for a reason the user can mend (no lost reason, a
// stale version), shown the deal page with the reason beside its move
// control.
func (h *Web) moveDeal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxMoveForm); err != nil {
		return err
	}
	stageID, err := salesFormID(r, "stage_id")
	if err != nil {
		return err
	}
	version, err := salesFormID(r, "version")
	if err != nil {
		return err
	}
	in := sales.MoveInput{StageID: stageID, LostReason: r.PostForm.Get("lost_reason")}
	back := localPath(r.PostForm.Get("back"))
	d, err := h.deps.Sales.MoveDeal(r.Context(), id, version, in)
	if err != nil {
		if isFragment(r) {
			return err
		}
		return h.dealMoveFailed(w, r, id, in, back, err)
	}
	if isFragment(r) && r.Header.Get("HX-Target") == "board" {
		pipelineID, err := salesFormID(r, "pipeline")
		if err != nil {
			return err
		}
		ownerID, err := salesFormID(r, "owner")
		if err != nil {
			return err
		}
		if pipelineID != d.PipelineID {
			pipelineID = d.PipelineID
		}
		data, err := h.board(r, pipelineID, ownerID, d)
		if err != nil {
			return err
		}
		h.render(w, r, http.StatusOK, "pipeline", "board", data)
		return nil
	}
	if back == "" {
		back = "/deals/" + strconv.FormatInt(id, 10)
	}
	seeOther(w, r, withQuery(back, "moved", strconv.FormatInt(id, 10)))
	return nil
}

// withQuery sets a parameter of a local address.
func withQuery(addr, key, value string) string {
	u, err := url.Parse(addr)
	if err != nil {
		return addr
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.RequestURI()
}

// dealMoveFailed shows a refused move without JavaScript: the deal page
// with the reason beside its move control, for a reason the user can mend;
// other errors are the error page's.
func (h *Web) dealMoveFailed(w http.ResponseWriter, r *http.Request, id int64, in sales.MoveInput, back string, moveErr error) error {
	ce, ok := crm.AsError(moveErr)
	if !ok || (ce.Kind != crm.KindInvalid && ce.Kind != crm.KindStale) {
		return moveErr
	}
	data, err := h.dealData(r, id)
	if err != nil {
		return err
	}
	lang := h.lang(r)
	data.Move.Back = back
	data.Move.Reason = in.LostReason
	data.Move.choose(in.StageID)
	for _, f := range ce.Fields {
		msg := i18n.Message(lang, f.Code, f.Params)
		if f.Field == "lost_reason" {
			data.Move.ReasonError = msg
			continue
		}
		data.Move.Errors = append(data.Move.Errors, msg)
	}
	if len(ce.Fields) == 0 {
		data.Move.Errors = append(data.Move.Errors, i18n.Message(lang, ce.Code, ce.Params))
	}
	h.render(w, r, httpx.ProblemFor(r.Context(), moveErr).Status, "deal", "page", data)
	return nil
}
