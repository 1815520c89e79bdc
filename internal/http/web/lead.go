package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/lead"
)

// The lead page: its fields, its score with the reasons for it, where it
// came from, its owner or pool, the work logged on it, and its actions as
// plain forms (qualify, disqualify with a reason, convert into a contact,
// company and deal, claim from the pool or release to it). Each action
// comes back to the page, which says what happened; a refusal the user can
// mend shows on the page beside the form that caused it.

// leadActivities is how many activities the lead page lists.
const leadActivities = 20

type leadScreen struct {
	page
	L        *lead.Lead
	Owner    string
	Pool     string
	ClaimBy  string
	Open     bool // new or qualified: still worked
	CanWrite bool
	CanClaim bool
	// CanRelease: the lead is someone's and the user may put it back.
	CanRelease bool
	CanDeal    bool // there is a pipeline for a conversion's deal
	Currency   string
	Contact    string
	Company    string
	Activities []*activity.Activity
	Message    string
	// Errors are the reasons the last action was refused; ReasonError the
	// one of the disqualify reason.
	Errors      []string
	ReasonError string
	Reason      string
	Convert     convertForm
}

// convertForm is what the convert form was sent with.
type convertForm struct {
	Deal             bool
	DealName, Amount string
	Error            string
}

// Points shows a reason's points with their sign.
func (s *leadScreen) Points(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func (h *Web) leadPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	data, err := h.leadData(r, id)
	if err != nil {
		return err
	}
	if done := r.URL.Query().Get("done"); done != "" {
		key := "leads.done." + done
		if i18n.Has(key) {
			data.Message = i18n.Message(data.Lang, key, map[string]any{"name": data.L.Name})
		}
	}
	h.render(w, r, http.StatusOK, "lead", "page", data)
	return nil
}

// leadData reads what the lead page shows.
func (h *Web) leadData(r *http.Request, id int64) (*leadScreen, error) {
	ctx := r.Context()
	lang := h.lang(r)
	l, err := h.deps.Leads.GetLead(ctx, id)
	if err != nil {
		return nil, err
	}
	users, err := h.salesUserNames(ctx)
	if err != nil {
		return nil, err
	}
	pools, err := h.deps.Leads.ListPools(ctx)
	if err != nil {
		return nil, err
	}
	p := principal(ctx)
	open := l.Status == lead.StatusNew || l.Status == lead.StatusQualified
	data := &leadScreen{page: h.page(r, ""), L: l, Owner: users.name(lang, l.OwnerID), Open: open,
		CanWrite: p.WritesRecord(l.OwnerID, l.TeamID)}
	data.Nav = "leads"
	data.CanClaim = open && l.OwnerID == nil && p.CanWrite()
	data.CanRelease = open && l.OwnerID != nil && data.CanWrite
	if pl := leadPool(pools, l); pl != nil {
		data.Pool = poolName(lang, pl)
	}
	if l.Claim != nil {
		data.ClaimBy = users.name(lang, &l.Claim.UserID)
	}
	if data.CanWrite && open {
		pipelines, err := h.deps.Sales.ListPipelines(ctx)
		if err != nil {
			return nil, err
		}
		data.CanDeal = len(pipelines) > 0
		data.Convert.Deal = data.CanDeal
		if data.Currency, err = h.deps.Sales.Currency(ctx); err != nil {
			return nil, err
		}
		data.Currency = h.salesCurrency(data.Currency)
	}
	if l.ContactID != nil {
		data.Contact = "#" + strconv.FormatInt(*l.ContactID, 10)
		if c, err := h.deps.Customers.GetContact(ctx, *l.ContactID); err == nil {
			data.Contact = c.DisplayName
		} else if !crm.IsKind(err, crm.KindNotFound) && !crm.IsKind(err, crm.KindForbidden) {
			return nil, err
		}
	}
	if l.CompanyID != nil {
		data.Company = "#" + strconv.FormatInt(*l.CompanyID, 10)
		if c, err := h.deps.Customers.GetCompany(ctx, *l.CompanyID); err == nil {
			data.Company = c.Name
		} else if !crm.IsKind(err, crm.KindNotFound) && !crm.IsKind(err, crm.KindForbidden) {
			return nil, err
		}
	}
	if data.Activities, err = h.leadActivityList(ctx, id); err != nil {
		return nil, err
	}
	return data, nil
}

// leadActivityList lists the newest activities logged on a lead: none when
// the activity service does not let the user read them (a lead in the pool
// is nobody's record yet).
func (h *Web) leadActivityList(ctx context.Context, id int64) ([]*activity.Activity, error) {
	if h.deps.Activities == nil {
		return nil, nil
	}
	page, err := h.deps.Activities.ListFor(ctx, lead.RecordLead, id, "", "", leadActivities)
	switch {
	case crm.IsKind(err, crm.KindForbidden), crm.IsKind(err, crm.KindNotFound), crm.IsKind(err, crm.KindInvalid):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return page.Items, nil
}

// leadPool is the pool a lead sits in (or goes back to): the one it names,
// else its team's, else the default pool.
func leadPool(pools []*lead.Pool, l *lead.Lead) *lead.Pool {
	var def, team *lead.Pool
	for _, p := range pools {
		switch {
		case l.PoolID != nil && p.ID == *l.PoolID:
			return p
		case p.Default && def == nil:
			def = p
		case p.TeamID != nil && l.TeamID != nil && *p.TeamID == *l.TeamID:
			team = p
		}
	}
	if team != nil {
		return team
	}
	return def
}

// poolName is a pool's name; the default pool, made with the database, is
// named in the user's language.
func poolName(lang string, p *lead.Pool) string {
	if p.Default && (p.Name == "Default" || p.Name == "") {
		return i18n.Message(lang, "leads.pool.default", nil)
	}
	return p.Name
}

// leadVersion reads the version the form was sent with.
func leadVersion(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	return v
}

func leadURL(id int64, done string) string {
	return "/leads/" + strconv.FormatInt(id, 10) + "?done=" + done
}

func (h *Web) qualifyLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	if _, err := h.deps.Leads.Qualify(r.Context(), id, leadVersion(r)); err != nil {
		return h.leadActionFailed(w, r, id, err, nil)
	}
	seeOther(w, r, leadURL(id, "qualified"))
	return nil
}

func (h *Web) disqualifyLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 8<<10); err != nil {
		return err
	}
	reason := r.PostForm.Get("reason")
	if _, err := h.deps.Leads.Disqualify(r.Context(), id, leadVersion(r), reason); err != nil {
		return h.leadActionFailed(w, r, id, err, func(s *leadScreen) { s.Reason = reason })
	}
	seeOther(w, r, leadURL(id, "disqualified"))
	return nil
}

func (h *Web) convertLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 8<<10); err != nil {
		return err
	}
	ctx := r.Context()
	sent := convertForm{Deal: r.PostForm.Get("deal") != "", DealName: r.PostForm.Get("deal_name"), Amount: strings.TrimSpace(r.PostForm.Get("amount"))}
	keep := func(s *leadScreen) { s.Convert = sent }
	var in lead.ConvertInput
	if sent.Deal {
		in.Deal = &lead.ConvertDeal{Name: sent.DealName}
		if sent.Amount != "" {
			cur, err := h.deps.Sales.Currency(ctx)
			if err != nil {
				return err
			}
			amount, ok := crm.ParseAmount(sent.Amount, h.salesCurrency(cur))
			if !ok || amount < 0 {
				var v crm.Violations
				v.Add("deal.amount", "leads.invalid_amount")
				return h.leadActionFailed(w, r, id, v.Err("web.convertLead"), keep)
			}
			in.Deal.Amount = amount
		}
	}
	if _, err := h.deps.Leads.Convert(ctx, id, leadVersion(r), in); err != nil {
		return h.leadActionFailed(w, r, id, err, keep)
	}
	seeOther(w, r, leadURL(id, "converted"))
	return nil
}

func (h *Web) claimLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	c, err := h.deps.Leads.Claim(r.Context(), lead.RecordLead, id)
	if err != nil {
		return h.leadActionFailed(w, r, id, err, nil)
	}
	if c.Status == lead.ClaimPending {
		seeOther(w, r, leadURL(id, "requested"))
		return nil
	}
	seeOther(w, r, leadURL(id, "claimed"))
	return nil
}

func (h *Web) releaseLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	if err := h.deps.Leads.Release(r.Context(), lead.RecordLead, id); err != nil {
		return h.leadActionFailed(w, r, id, err, nil)
	}
	// Back in the pool, the lead may be out of the user's sight (a pool
	// of another team's): the pool is where it now is.
	if _, err := h.deps.Leads.GetLead(r.Context(), id); err != nil {
		seeOther(w, r, "/leads/pool?released=1")
		return nil
	}
	seeOther(w, r, leadURL(id, "released"))
	return nil
}

// leadActionFailed shows the lead page with the reason an action was
// refused, at the refusal's status, when the user can do something about
// it; other errors (not found, forbidden, internal) are the error page's.
func (h *Web) leadActionFailed(w http.ResponseWriter, r *http.Request, id int64, actionErr error, keep func(*leadScreen)) error {
	ce, ok := crm.AsError(actionErr)
	if !ok || (ce.Kind != crm.KindInvalid && ce.Kind != crm.KindConflict && ce.Kind != crm.KindStale) {
		return actionErr
	}
	data, err := h.leadData(r, id)
	if err != nil {
		return err
	}
	if keep != nil {
		keep(data)
	}
	lang := data.Lang
	for _, f := range ce.Fields {
		msg := i18n.Message(lang, f.Code, f.Params)
		switch {
		case f.Field == "reason":
			data.ReasonError = msg
		case f.Field == "deal.amount":
			data.Convert.Error = msg
		default:
			data.Errors = append(data.Errors, f.Field+": "+msg)
		}
	}
	if len(ce.Fields) == 0 {
		data.Errors = append(data.Errors, poolMessage(lang, ce.Code, ce.Params))
	}
	h.render(w, r, httpx.ProblemFor(r.Context(), actionErr).Status, "lead", "page", data)
	return nil
}

// poolMessage is the message of an error of the pool in the user's
// language, with the record type named in it and the end of a protection
// period as a date.
func poolMessage(lang, code string, params map[string]any) string {
	out := readableParams(lang, params)
	if rt, ok := out["record_type"].(string); ok {
		out["record_type"] = label(lang, "leads.record", rt)
	}
	if f, ok := out["field"].(string); ok {
		out["field"] = label(lang, "leads.match", f)
	}
	return i18n.Message(lang, code, out)
}

// readableParams are an error's parameters as a message shows them: a time
// (RFC 3339, as the API gives it) as a date in the user's language.
func readableParams(lang string, params map[string]any) map[string]any {
	out := make(map[string]any, len(params))
	for k, v := range params {
		if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				v = salesDayText(lang, t.UTC().Format(time.DateOnly))
			}
		}
		out[k] = v
	}
	return out
}
