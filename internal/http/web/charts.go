package web

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// Charts are drawn in the browser by static/charts.js with the vendored
// Apache ECharts, from a spec the server writes into the chart element's
// data-chart attribute (the content security policy allows no inline
// script). Every label and tooltip in a spec is already in the page's
// language and its figures formatted the locale's way, so the script only
// draws. A chart is a picture of figures the page also gives as a table
// (in a disclosure under it, open without JavaScript) and sums up in its
// caption, so it is hidden from screen readers.

// chartSpec is what charts.js draws.
type chartSpec struct {
	// Kind is "bar" (categories with a value each), "hbar" (the same,
	// lying), "heatmap" (a grid of cells) or "curve" (a line through
	// points on two value axes, in percent).
	Kind string `json:"kind"`
	// Categories label the bars, or the heat map's columns.
	Categories []string `json:"categories,omitempty"`
	// Rows label the heat map's rows, bottom first.
	Rows []string `json:"rows,omitempty"`
	// Values are the bars' heights; Labels their figures as shown; Links
	// where a click on each leads ("" for nowhere).
	Values []float64 `json:"values,omitempty"`
	Labels []string  `json:"labels,omitempty"`
	Links  []string  `json:"links,omitempty"`
	// Tips add a line to each bar's tooltip.
	Tips []string `json:"tips,omitempty"`
	// Cells are the heat map's cells.
	Cells []heatCell `json:"cells,omitempty"`
	// Points are the curve's points, [x, y] in percent.
	Points [][2]float64 `json:"points,omitempty"`
	// MarkX and MarkY draw dashed guide lines on a curve (percent).
	MarkX *float64 `json:"markX,omitempty"`
	MarkY *float64 `json:"markY,omitempty"`
	// XName and YName name the axes.
	XName string `json:"xName,omitempty"`
	YName string `json:"yName,omitempty"`
	// Money says the values are amounts: the axis writes them short in
	// the page's language (1.2萬, 12K).
	Money bool `json:"money,omitempty"`
}

// heatCell is a cell of a heat map: column X, row Y (from the bottom),
// its value, the figures as shown and where a click leads.
type heatCell struct {
	X     int     `json:"x"`
	Y     int     `json:"y"`
	Value float64 `json:"v"`
	Label string  `json:"label"`
	Link  string  `json:"link,omitempty"`
}

// JSON is the spec for the data-chart attribute.
func (c *chartSpec) JSON() string {
	b, err := json.Marshal(c)
	if err != nil { // only floats that are not numbers fail, and none are put in
		return "{}"
	}
	return string(b)
}

// major is an amount in minor units as a number of whole units, for a
// chart's axis: 123450 TWD minor units are 1234.5.
func major(minor int64, cur string) float64 {
	f, err := strconv.ParseFloat(crm.FormatAmount(minor, cur), 64)
	if err != nil {
		return float64(minor) / 100
	}
	return f
}

// percent writes a share (0.623) as a percentage ("62%", "62.3%" when
// fine matters: below 10).
func percent(share float64) string {
	p := share * 100
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return "–"
	}
	if p != 0 && math.Abs(p) < 10 && math.Abs(p-math.Round(p)) >= 0.05 {
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(math.Round(p), 'f', 0, 64) + "%"
}

// decimal writes a ratio with one decimal (a lift of 3.1).
func decimal(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

// change writes how a figure moved from before to now as a signed
// percentage ("+12%", "−5%"), or "" when there was nothing before.
func change(now, before int64) string {
	if before == 0 {
		return ""
	}
	c := float64(now-before) / math.Abs(float64(before))
	s := percent(c)
	switch {
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	case s == "0%":
		return "±0%"
	}
	return "+" + s
}

// listSep joins names in a language's way.
func listSep(lang string) string {
	if lang == i18n.English {
		return ", "
	}
	return "、"
}

// trend says whether a change is up, down or flat, for its styling.
func trend(now, before int64) string {
	switch {
	case before == 0 && now == 0, now == before:
		return "flat"
	case now > before:
		return "up"
	}
	return "down"
}

// plural picks key_one for 1, as the count template function does.
func plural(key string, n int64) string {
	if n == 1 && i18n.Has(key+"_one") {
		return key + "_one"
	}
	return key
}

// countText is the message of a count key with {n} grouped.
func countText(lang, key string, n int64) string {
	return i18n.Message(lang, plural(key, n), map[string]any{"n": groupDigits(strconv.FormatInt(n, 10))})
}

// fmtFloat writes a model parameter with four significant digits.
func fmtFloat(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}
