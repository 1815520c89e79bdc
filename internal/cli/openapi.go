package cli

import (
	"context"
	"fmt"
	"net/http"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/http/api"
)

func init() {
	register("openapi", "print the OpenAPI document of the REST API", func(_ context.Context, env Env, args []string) error {
		if len(args) > 0 {
			fmt.Fprintln(env.Stderr, "Usage: guanxi openapi > openapi.json")
			return errUsage
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
