package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/importer"
)

type exportInput struct {
	Type   string `path:"type" enum:"contacts,companies,products,orders,events" doc:"What to export"`
	Format string `query:"format" enum:"csv,vcard," doc:"csv (default; UTF-8 with BOM, columns an import reads back) or vcard (contacts only, vCard 4.0)"`
}

// export streams a file of every record of a type the caller may see. What
// would refuse the export is checked before the first byte is sent, so that
// it is answered as a problem; a failure in mid-file can only cut it short,
// and is logged.
func (a *API) export(ctx context.Context, in *exportInput) (*huma.StreamResponse, error) {
	t := importer.RecordType(in.Type)
	if in.Format == "vcard" && t != importer.Contacts {
		var v crm.Violations
		v.Add("format", "invalid_choice", "allowed", []string{"csv"})
		return nil, v.Err("api.export")
	}
	if err := a.deps.Exporter.Check(ctx, t); err != nil {
		return nil, err
	}
	name, contentType := in.Type+"-"+time.Now().UTC().Format("20060102")+".csv", "text/csv; charset=utf-8"
	if in.Format == "vcard" {
		name, contentType = "contacts-"+time.Now().UTC().Format("20060102")+".vcf", "text/vcard; charset=utf-8"
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Content-Type", contentType)
		hctx.SetHeader("Content-Disposition", `attachment; filename="`+name+`"`)
		hctx.SetStatus(http.StatusOK)
		w := hctx.BodyWriter()
		var err error
		if in.Format == "vcard" {
			err = a.deps.Exporter.VCards(ctx, w)
		} else {
			err = a.deps.Exporter.CSV(ctx, w, t)
		}
		if err != nil {
			a.deps.Logger.ErrorContext(ctx, "export cut short", "type", in.Type, "err", err)
		}
	}}, nil
}
