package web

import (
	"cmp"
	"context"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// What the sales screens (pipeline.go, deal.go, forecast.go) share: the
// names of users, calendar days, shares and durations in the user's
// language.

// salesUsers maps user ids to names, for owners and the authors of moves.
type salesUsers map[int64]string

// salesUserNames reads every user's name (one query; everyone signed in may
// list users, to pick owners).
func (h *Web) salesUserNames(ctx context.Context) (salesUsers, error) {
	users, err := h.deps.Accounts.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(salesUsers, len(users))
	for _, u := range users {
		out[u.ID] = u.Name
	}
	return out, nil
}

// name is a user's name: "" for nobody, "User #7" for one not known.
func (u salesUsers) name(lang string, id *int64) string {
	if id == nil {
		return ""
	}
	if n, ok := u[*id]; ok && n != "" {
		return n
	}
	return i18n.Message(lang, "deal.unknown_person", map[string]any{"id": *id})
}

// salesOwnerOptions are the owners a filter offers: everyone for those who read
// every deal, else the caller and (for a manager) their team's members, the
// owners whose deals they may read.
func salesOwnerOptions(lang string, p *crm.Principal, users salesUsers, selected int64) []optionView {
	opts := []optionView{{Value: "", Label: i18n.Message(lang, "pipeline.everyone", nil), Selected: selected == 0}}
	var ids []int64
	if scope := p.ReadScope(); scope == nil {
		for id := range users {
			ids = append(ids, id)
		}
	} else {
		ids = scope.OwnerIDs
	}
	ids = salesSortedByName(ids, users)
	for _, id := range ids {
		if _, ok := users[id]; !ok {
			continue
		}
		opts = append(opts, optionView{Value: strconv.FormatInt(id, 10), Label: users[id], Selected: id == selected})
	}
	return opts
}

// salesSortedByName orders user ids by name, then id.
func salesSortedByName(ids []int64, users salesUsers) []int64 {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b int64) int {
		if c := strings.Compare(users[a], users[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return out
}

// salesQueryID reads an optional positive id from the query string (0 when
// absent); anything else is a 400.
func salesQueryID(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		var v crm.Violations
		v.Add(name, "invalid_id")
		return 0, v.Err("web.sales")
	}
	return id, nil
}

// salesFormID reads an optional non-negative id from a parsed form.
func salesFormID(r *http.Request, name string) (int64, error) {
	s := r.PostForm.Get(name)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		var v crm.Violations
		v.Add(name, "invalid_id")
		return 0, v.Err("web.sales")
	}
	return id, nil
}

// salesDay shows a date of the calendar (YYYY-MM-DD, no time of day) in
// the language's layout; app.js shows it in the browser's way, in UTC: a
// date is the same day in every time zone.
func salesDay(lang, day string) template.HTML {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return template.HTML(template.HTMLEscapeString(day))
	}
	return template.HTML(`<time datetime="` + day + `" data-format="day">` + template.HTMLEscapeString(salesDayText(lang, day)) + `</time>`)
}

// salesDayText is a date of the calendar as text, in the language's layout.
func salesDayText(lang, day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	layouts, ok := dateLayouts[lang]
	if !ok {
		layouts = dateLayouts[i18n.English]
	}
	return t.Format(layouts[0])
}

// salesRate writes a rate (0.25) as a percentage, "–" for none.
func salesRate(rate *float64) string {
	if rate == nil {
		return "–"
	}
	return percent(*rate)
}

// salesDays writes a duration in days ("12 days", "1.5 days", "less than a
// day"), "–" for none.
func salesDays(lang string, days *float64) string {
	if days == nil || math.IsNaN(*days) {
		return "–"
	}
	d := *days
	if d < 1 {
		return i18n.Message(lang, "deal.less_than_day", nil)
	}
	n := strconv.FormatFloat(math.Round(d*10)/10, 'f', -1, 64)
	key := "deal.days"
	if n == "1" {
		key = "deal.days_one"
	}
	return i18n.Message(lang, key, map[string]any{"n": n})
}

// salesStageNames maps the stages of every pipeline to their names, for
// histories that may cross pipelines.
func salesStageNames(pipelines []*sales.Pipeline) map[int64]sales.Stage {
	out := map[int64]sales.Stage{}
	for _, p := range pipelines {
		for _, st := range p.Stages {
			out[st.ID] = st
		}
	}
	return out
}

// salesCurrency is the currency amounts are shown in: the database's, or
// the configured one before there is any.
func (h *Web) salesCurrency(cur string) string {
	if cur == "" {
		return h.deps.Currency
	}
	return cur
}
