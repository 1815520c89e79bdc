package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/lead"
)

// The shared lead pool (公海): each pool the user may see with its leads
// and contacts without an owner, a claim button on each, and how many of
// the pool's cap the user holds. A refused claim (the cap, the protection
// days, a collision with a colleague's customer) shows on the page in the
// user's language. Managers and admins see the claims held for their
// approval (collisions, 撞單) and decide them here.

// poolPageSize is how many leads, and how many contacts, a pool shows at a
// time.
const poolPageSize = 25

type poolScreen struct {
	page
	Pools []*poolView
	// One is the pool shown alone (paging through it), else 0.
	One      int64
	Message  string
	Errors   []string
	ToDecide []claimView // pending claims the user may decide
	Waiting  []claimView // the user's own pending claims
}

type poolView struct {
	ID       int64
	Name     string
	Cap      int
	Held     int // the user's claims in the pool, active and pending
	Protect  int
	Recycle  int
	Approve  bool // collisions wait for approval rather than being refused
	Leads    []*lead.Lead
	Contacts []*lead.PoolContact
	// NextLeads and NextContacts page on through the pool; First starts
	// it again.
	NextLeads, NextContacts, First string
}

// Full reports whether the user holds the pool's cap.
func (v *poolView) Full() bool { return v.Cap > 0 && v.Held >= v.Cap }

// claimView is a claim waiting for a decision.
type claimView struct {
	*lead.Claim
	Record     string // the record's name, when the page has it
	Link       string
	By         string
	Collisions []string
}

func poolURL(pool int64, leadCursor, contactCursor string) string {
	v := url.Values{}
	if pool != 0 {
		v.Set("pool", strconv.FormatInt(pool, 10))
	}
	if leadCursor != "" {
		v.Set("leads", leadCursor)
	}
	if contactCursor != "" {
		v.Set("contacts", contactCursor)
	}
	if len(v) == 0 {
		return "/leads/pool"
	}
	return "/leads/pool?" + v.Encode()
}

func (h *Web) poolPage(w http.ResponseWriter, r *http.Request) error {
	data, err := h.poolData(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	switch {
	case q.Get("requested") != "":
		data.Message = i18n.Message(data.Lang, "leads.pool.requested", nil)
	case q.Get("released") != "":
		data.Message = i18n.Message(data.Lang, "leads.done.released", nil)
	case q.Get("decided") == "approve":
		data.Message = i18n.Message(data.Lang, "leads.pool.approved", nil)
	case q.Get("decided") == "reject":
		data.Message = i18n.Message(data.Lang, "leads.pool.rejected", nil)
	}
	h.render(w, r, http.StatusOK, "lead_pool", "page", data)
	return nil
}

// poolData reads the pools the user may see, each with a page of its
// records, and the claims waiting for a decision.
func (h *Web) poolData(r *http.Request) (*poolScreen, error) {
	ctx := r.Context()
	lang := h.lang(r)
	q := r.URL.Query()
	one, err := salesQueryID(r, "pool")
	if err != nil {
		return nil, err
	}
	pools, err := h.deps.Leads.ListPools(ctx)
	if err != nil {
		return nil, err
	}
	mine, err := h.deps.Leads.ListClaims(ctx, "", true)
	if err != nil {
		return nil, err
	}
	held := map[int64]int{}
	for _, c := range mine {
		held[c.PoolID]++
	}
	data := &poolScreen{page: h.page(r, "leads.pool.title"), One: one}
	data.Nav = "leads"
	names := map[string]string{} // "lead-7" → the record's name, for the claims below
	for _, pl := range pools {
		if one != 0 && pl.ID != one {
			continue
		}
		leadCursor, contactCursor := "", ""
		if one != 0 {
			leadCursor, contactCursor = q.Get("leads"), q.Get("contacts")
		}
		leads, err := h.deps.Leads.ListPoolLeads(ctx, pl.ID, leadCursor, poolPageSize)
		if crm.IsKind(err, crm.KindForbidden) {
			if one != 0 {
				return nil, err
			}
			continue // another team's pool
		}
		if err != nil {
			return nil, err
		}
		contacts, err := h.deps.Leads.ListPoolContacts(ctx, pl.ID, contactCursor, poolPageSize)
		if err != nil {
			return nil, err
		}
		v := &poolView{ID: pl.ID, Name: poolName(lang, pl), Cap: pl.ClaimCap, Held: held[pl.ID], Protect: pl.ProtectionDays,
			Recycle: pl.RecycleDays, Approve: pl.CollisionPolicy == lead.PolicyApprove, Leads: leads.Items, Contacts: contacts.Items}
		if leads.Next != "" {
			v.NextLeads = poolURL(pl.ID, leads.Next, "")
		}
		if contacts.Next != "" {
			v.NextContacts = poolURL(pl.ID, "", contacts.Next)
		}
		if leadCursor != "" || contactCursor != "" {
			v.First = poolURL(pl.ID, "", "")
		}
		for _, l := range leads.Items {
			names["lead-"+strconv.FormatInt(l.ID, 10)] = l.Name
		}
		for _, c := range contacts.Items {
			names["contact-"+strconv.FormatInt(c.ID, 10)] = c.DisplayName
		}
		data.Pools = append(data.Pools, v)
	}
	if one != 0 && len(data.Pools) == 0 {
		return nil, crm.NotFound("web.pool", "pool", one)
	}

	users, err := h.salesUserNames(ctx)
	if err != nil {
		return nil, err
	}
	view := func(c *lead.Claim) claimView {
		key := c.RecordType + "-" + strconv.FormatInt(c.RecordID, 10)
		cv := claimView{Claim: c, Record: names[key], By: users.name(lang, &c.UserID)}
		if cv.Record == "" {
			cv.Record = label(lang, "leads.record", c.RecordType) + " #" + strconv.FormatInt(c.RecordID, 10)
		}
		if c.RecordType == lead.RecordLead {
			cv.Link = "/leads/" + strconv.FormatInt(c.RecordID, 10)
		}
		for _, col := range c.Collisions {
			cv.Collisions = append(cv.Collisions, i18n.Message(lang, "leads.pool.collides", map[string]any{
				"field":  label(lang, "leads.match", col.Field),
				"record": label(lang, "leads.record", col.RecordType) + " #" + strconv.FormatInt(col.RecordID, 10),
				"owner":  users.name(lang, &col.OwnerID)}))
		}
		return cv
	}
	p := principal(ctx)
	for _, c := range mine {
		if c.Status == lead.ClaimPending {
			data.Waiting = append(data.Waiting, view(c))
		}
	}
	if p.IsAdmin() || p.Role == crm.RoleManager {
		pending, err := h.deps.Leads.ListClaims(ctx, lead.ClaimPending, false)
		if err != nil {
			return nil, err
		}
		for _, c := range pending {
			if c.UserID != p.UserID || p.IsAdmin() {
				data.ToDecide = append(data.ToDecide, view(c))
			}
		}
	}
	return data, nil
}

// claimFromPool claims a lead or contact from the pool page: a lead opens
// as the user's, a contact as their customer; a claim held for approval
// comes back to the pool, which says so.
func (h *Web) claimFromPool(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	recordType := r.PostForm.Get("record_type")
	id, err := salesFormID(r, "record_id")
	if err != nil {
		return err
	}
	c, err := h.deps.Leads.Claim(r.Context(), recordType, id)
	if err != nil {
		return h.poolActionFailed(w, r, err)
	}
	switch {
	case c.Status == lead.ClaimPending:
		seeOther(w, r, "/leads/pool?requested=1")
	case recordType == lead.RecordContact:
		seeOther(w, r, "/customers/"+strconv.FormatInt(id, 10))
	default:
		seeOther(w, r, leadURL(id, "claimed"))
	}
	return nil
}

// decideClaim approves or rejects a claim waiting for a decision.
func (h *Web) decideClaim(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	decision := r.PostForm.Get("decision")
	switch decision {
	case "approve":
		_, err = h.deps.Leads.ApproveClaim(r.Context(), id)
	case "reject":
		_, err = h.deps.Leads.RejectClaim(r.Context(), id)
	default:
		var v crm.Violations
		v.Add("decision", "not_one_of", "allowed", "approve, reject")
		err = v.Err("web.decideClaim")
	}
	if err != nil {
		return h.poolActionFailed(w, r, err)
	}
	seeOther(w, r, "/leads/pool?decided="+decision)
	return nil
}

// poolActionFailed shows the pool page with the reason a claim or a
// decision was refused, at the refusal's status. The pool page is where
// the user chooses another record, so refusals of the pool's rules (and a
// team's pool not theirs) show there; other errors are the error page's.
func (h *Web) poolActionFailed(w http.ResponseWriter, r *http.Request, actionErr error) error {
	ce, ok := crm.AsError(actionErr)
	if !ok || (ce.Kind != crm.KindInvalid && ce.Kind != crm.KindConflict && ce.Code != "not_your_pool" && ce.Code != "own_claim") {
		return actionErr
	}
	data, err := h.poolData(r)
	if err != nil {
		return err
	}
	for _, f := range ce.Fields {
		data.Errors = append(data.Errors, f.Field+": "+i18n.Message(data.Lang, f.Code, f.Params))
	}
	if len(ce.Fields) == 0 {
		data.Errors = append(data.Errors, poolMessage(data.Lang, ce.Code, ce.Params))
	}
	h.render(w, r, httpx.ProblemFor(r.Context(), actionErr).Status, "lead_pool", "page", data)
	return nil
}
