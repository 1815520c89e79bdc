package api

import (
	"bytes"
	"context"
	"html/template"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// QuoteOutput is a quote with its ETag.
type QuoteOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *sales.Quote
}

func quoteOutput(q *sales.Quote) *QuoteOutput {
	return &QuoteOutput{ETag: etag(q.Version), Body: q}
}

type createQuoteInput struct {
	IDPath
	Body sales.QuoteInput
}

func (a *API) createQuote(ctx context.Context, in *createQuoteInput) (*QuoteOutput, error) {
	q, err := a.deps.Sales.CreateQuote(ctx, in.ID, in.Body)
	if err != nil {
		return nil, err
	}
	out := quoteOutput(q)
	out.Location = Prefix + "/quotes/" + strconv.FormatInt(q.ID, 10)
	return out, nil
}

func (a *API) dealQuotes(ctx context.Context, in *IDPath) (*ItemsOutput[*sales.Quote], error) {
	qs, err := a.deps.Sales.DealQuotes(ctx, in.ID)
	return items(qs), err
}

func (a *API) getQuote(ctx context.Context, in *IDPath) (*QuoteOutput, error) {
	q, err := a.deps.Sales.GetQuote(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return quoteOutput(q), nil
}

type decideQuoteInput struct {
	IDPath
	IfMatch
	Body sales.QuoteDecision
}

func (a *API) decideQuote(ctx context.Context, in *decideQuoteInput) (*QuoteOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	q, err := a.deps.Sales.DecideQuote(ctx, in.ID, version, in.Body)
	if err != nil {
		return nil, err
	}
	return quoteOutput(q), nil
}

// HTMLOutput is a page.
type HTMLOutput struct {
	ContentType string `header:"Content-Type"`
	Body        []byte
}

// quoteDocument is the printable quote: plain HTML with print styles, in
// the reader's language, that a browser prints or saves as PDF.
var quoteDocument = template.Must(template.New("quote").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T "quote.title"}}</title>
<style>
body{font-family:system-ui,"Noto Sans CJK TC","Noto Sans CJK SC",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.6rem;margin:0 0 1rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}
table{width:100%;border-collapse:collapse;margin:1.5rem 0}th,td{padding:.4rem .5rem;border-bottom:1px solid #ccc;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:600}.warn{color:#a40000;font-weight:600}
pre{white-space:pre-wrap;font:inherit}@media print{button{display:none}body{margin:0}}
</style></head><body>
<h1>{{.T "quote.title"}}</h1>
{{if .Q.Expired}}<p class="warn">{{.T "quote.expired"}}</p>{{end}}
<dl>
<dt>{{.T "quote.deal"}}</dt><dd>{{.Q.DealName}}</dd>
<dt>{{.T "quote.date"}}</dt><dd>{{.Q.CreatedAt.Format "2006-01-02"}}</dd>
<dt>{{.T "quote.valid_until"}}</dt><dd>{{.Q.ValidUntil}}</dd>
<dt>{{.T "quote.status"}}</dt><dd>{{.Status}}</dd>
</dl>
<table><thead><tr><th>{{.T "quote.item"}}</th><th class="n">{{.T "quote.quantity"}}</th><th class="n">{{.T "quote.unit_price"}}</th><th class="n">{{.T "quote.discount"}}</th><th class="n">{{.T "quote.amount"}}</th></tr></thead>
<tbody>{{range .Q.Lines}}<tr><td>{{.Name}}{{if and .SKU (ne .SKU .Name)}} <small>({{.SKU}})</small>{{end}}</td><td class="n">{{.Quantity}}</td><td class="n">{{$.Money .UnitPrice}}</td><td class="n">{{if .Discount}}{{$.Money .Discount}}{{end}}</td><td class="n">{{$.Money .Total}}</td></tr>
{{end}}</tbody>
<tfoot><tr><td colspan="4">{{.T "quote.subtotal"}}</td><td class="n">{{.Money .Q.Subtotal}}</td></tr>
{{if .Q.Discount}}<tr><td colspan="4">{{.T "quote.discount"}}</td><td class="n">−{{.Money .Q.Discount}}</td></tr>{{end}}
<tr><td colspan="4">{{.T "quote.total"}}</td><td class="n">{{.Money .Q.Total}}</td></tr></tfoot></table>
{{if .Q.Terms}}<h2>{{.T "quote.terms"}}</h2><pre>{{.Q.Terms}}</pre>{{end}}
{{if .Q.Notes}}<h2>{{.T "quote.notes"}}</h2><pre>{{.Q.Notes}}</pre>{{end}}
<button type="button" onclick="window.print()">{{.T "quote.print"}}</button>
</body></html>
`))

type quoteView struct {
	Lang string
	Q    *sales.Quote
}

func (v quoteView) T(key string) string {
	return i18n.Message(v.Lang, key, map[string]any{"number": v.Q.Number, "currency": v.Q.Currency})
}

// Money writes an amount with thousands grouped by commas, as English and
// Chinese both write them.
func (v quoteView) Money(minor int64) string {
	s := crm.FormatAmount(minor, v.Q.Currency)
	s, negative := strings.CutPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if negative {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

func (v quoteView) Status() string { return v.T("quote." + v.Q.Status) }

func (a *API) quoteDocument(ctx context.Context, in *IDPath) (*HTMLOutput, error) {
	q, err := a.deps.Sales.GetQuote(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := quoteDocument.Execute(&b, quoteView{Lang: httpx.Language(ctx), Q: q}); err != nil {
		return nil, crm.Internal("api.quoteDocument", err)
	}
	return &HTMLOutput{ContentType: "text/html; charset=utf-8", Body: b.Bytes()}, nil
}
