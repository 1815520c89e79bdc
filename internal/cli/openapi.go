package cli

import (
	"context"
	"fmt"
	"net/http"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/http/api"
)

func init() {
	register("openapi", "print the OpenAPI document of the REST API", func(_ context.Context, env Env, args []string) error {
		// --data and --database are taken like every command's, though the
		// document needs no database.
		var cfg config.Config
		fs, err := flags(env, "openapi", "> openapi.json", &cfg, false)
		if err != nil {
			return err
		}
		if err := parse(fs, &cfg, args); err != nil {
			return err
		}
		// The document comes from registering the routes; no database is
		// needed for that.
		doc, err := api.New(http.NewServeMux(), api.Deps{Version: app.Version}).OpenAPIJSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "%s\n", doc)
		return err
	})
}
