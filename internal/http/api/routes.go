package api

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// op builds an operation; public ones need no credentials.
func op(id, method, path, tag, summary, description string) huma.Operation {
	return huma.Operation{OperationID: id, Method: method, Path: Prefix + path, Tags: []string{tag}, Summary: summary, Description: description}
}

func created(o huma.Operation) huma.Operation   { o.DefaultStatus = http.StatusCreated; return o }
func accepted(o huma.Operation) huma.Operation  { o.DefaultStatus = http.StatusAccepted; return o }
func noContent(o huma.Operation) huma.Operation { o.DefaultStatus = http.StatusNoContent; return o }
func public(o huma.Operation) huma.Operation    { o.Security = anonymous; return o }
func batch(o huma.Operation) huma.Operation     { o.MaxBodyBytes = maxBatchBody; return o }
func upload(o huma.Operation) huma.Operation    { o.MaxBodyBytes = importer.MaxUpload; return o }
func withFilters(o huma.Operation, fields []string) huma.Operation {
	o.Parameters = append(o.Parameters, filterParam(fields))
	return o
}

// routes registers every route of the API. It is the one list of them.
func (a *API) routes() {
	api := a.huma
	const (
		get, post, patch, put, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete
	)

	// Contacts.
	register(api, withFilters(op("list-contacts", get, "/contacts", "contacts", "List and search contacts",
		"Searches names (Chinese substrings of any length: 小李 finds 王小李), emails, phone digits and company names; filters; sorts; pages with a cursor. Contacts you may not see in full come as their basic card (restricted: true)."),
		customer.ContactFieldNames()), a.listContacts)
	register(api, created(op("create-contact", post, "/contacts", "contacts", "Create a contact",
		"Emails are stored lower-case and phones in E.164. A contact whose email or phone another live contact has is refused with 409 and params.existing_id, unless allow_duplicate=true.")), a.createContact)
	register(api, batch(op("create-contacts-batch", post, "/contacts/batch", "contacts", "Create up to 1,000 contacts",
		"Each record is checked on its own: the valid ones are created together, and the answer lists every record's status and id or problem.")), a.createContacts)
	documentBody[BatchBody[customer.ContactFields]](a, post, Prefix+"/contacts/batch", "application/json", "The contacts to create")
	register(api, op("get-contact", get, "/contacts/{id}", "contacts", "Read a contact",
		"Deleted contacts come with deleted_at; merged ones with merged_into_id."), a.getContact)
	register(api, op("update-contact", patch, "/contacts/{id}", "contacts", "Change a contact",
		"A JSON merge patch (RFC 7396): send the fields to change; null clears one; lists (emails, phones, tags) are replaced whole. With If-Match, a stale version gets 412."), a.updateContact)
	documentBody[customer.ContactFields](a, patch, Prefix+"/contacts/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-contact", del, "/contacts/{id}", "contacts", "Move a contact to the trash",
		"It stays restorable for 30 days, then is erased.")), a.deleteContact)
	register(api, op("restore-contact", post, "/contacts/{id}/restore", "contacts", "Take a contact out of the trash", ""), a.restoreContact)
	register(api, noContent(op("purge-contact", post, "/contacts/{id}/purge", "contacts", "Erase a contact for good (right to erasure)",
		"Admins only. Erases the contact, the contacts merged into it, their positions and the values of their audit history; the audit log keeps only that they were purged, by whom and why.")), a.purgeContact)
	register(api, op("list-contact-duplicates", get, "/contacts/{id}/duplicates", "contacts", "Find likely duplicates of a contact",
		"Live contacts with the same email or phone, or a similar name at the same company, most likely first."), a.contactDuplicates)
	register(api, op("merge-contacts", post, "/contacts/{id}/merge", "contacts", "Merge another contact into this one",
		"This contact keeps its values and gains the other's where it had none, every email, phone and tag, and its positions; the other becomes a tombstone (merged_into_id). Both histories stay in this contact's audit log."), a.mergeContacts)
	register(api, op("list-contact-audit", get, "/contacts/{id}/audit", "contacts", "Read a contact's history",
		"Who changed which fields from what to what, newest first, including the history of the contacts merged into it and of its positions."), a.contactAudit)
	register(api, op("list-contact-positions", get, "/contacts/{id}/positions", "contacts", "List a contact's positions", "Current positions first."), a.contactPositions)

	// Companies.
	register(api, withFilters(op("list-companies", get, "/companies", "companies", "List and search companies",
		"Searches names and domains; filters; sorts; pages with a cursor."), customer.CompanyFieldNames()), a.listCompanies)
	register(api, created(op("create-company", post, "/companies", "companies", "Create a company", "")), a.createCompany)
	register(api, batch(op("create-companies-batch", post, "/companies/batch", "companies", "Create up to 1,000 companies",
		"Each record is checked on its own: the valid ones are created together, and the answer lists every record's status and id or problem.")), a.createCompanies)
	documentBody[BatchBody[customer.CompanyFields]](a, post, Prefix+"/companies/batch", "application/json", "The companies to create")
	register(api, op("get-company", get, "/companies/{id}", "companies", "Read a company", ""), a.getCompany)
	register(api, op("update-company", patch, "/companies/{id}", "companies", "Change a company",
		"A JSON merge patch (RFC 7396). With If-Match, a stale version gets 412."), a.updateCompany)
	documentBody[customer.CompanyFields](a, patch, Prefix+"/companies/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-company", del, "/companies/{id}", "companies", "Move a company to the trash",
		"Its people keep their positions. It stays restorable for 30 days.")), a.deleteCompany)
	register(api, op("restore-company", post, "/companies/{id}/restore", "companies", "Take a company out of the trash", ""), a.restoreCompany)
	register(api, op("list-company-audit", get, "/companies/{id}/audit", "companies", "Read a company's history", ""), a.companyAudit)
	register(api, op("list-company-positions", get, "/companies/{id}/positions", "companies", "List a company's people: its buying organisation",
		"Each position with its title, department, buying role, influence and reporting line; current first."), a.companyPositions)

	// Positions.
	register(api, created(op("create-position", post, "/positions", "positions", "Record that a contact works at a company", "")), a.createPosition)
	register(api, op("get-position", get, "/positions/{id}", "positions", "Read a position", ""), a.getPosition)
	register(api, op("update-position", patch, "/positions/{id}", "positions", "Change a position",
		"A JSON merge patch (RFC 7396); contact_id and company_id stay fixed."), a.updatePosition)
	documentBody[customer.PositionFields](a, patch, Prefix+"/positions/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-position", del, "/positions/{id}", "positions", "Delete a position",
		"To keep it as history, set its status to past instead.")), a.deletePosition)

	// Custom fields.
	register(api, op("list-custom-fields", get, "/custom-fields", "custom-fields", "List custom field definitions", ""), a.listFieldDefs)
	register(api, created(op("create-custom-field", post, "/custom-fields", "custom-fields", "Define a custom field", "Admins only.")), a.createFieldDef)
	register(api, op("get-custom-field", get, "/custom-fields/{id}", "custom-fields", "Read a custom field definition", ""), a.getFieldDef)
	register(api, op("update-custom-field", patch, "/custom-fields/{id}", "custom-fields", "Change a custom field definition",
		"Admins only. Label, translations, options, required and position change; record type, key, type and currency stay fixed."), a.updateFieldDef)
	documentBody[customer.FieldDefFields](a, patch, Prefix+"/custom-fields/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-custom-field", del, "/custom-fields/{id}", "custom-fields", "Delete a custom field and its values",
		"Admins only.")), a.deleteFieldDef)

	// Tags.
	register(api, op("list-tags", get, "/tags", "tags", "List tags with how many records carry them", ""), a.listTags)
	register(api, op("create-tag", post, "/tags", "tags", "Create a tag", "Tags are also created when a record names a new one."), a.createTag)
	register(api, op("update-tag", patch, "/tags/{id}", "tags", "Rename or recolour a tag",
		"Admins and managers. Every record carrying the tag follows."), a.updateTag)
	documentBody[customer.TagFields](a, patch, Prefix+"/tags/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-tag", del, "/tags/{id}", "tags", "Delete a tag from every record", "Admins and managers.")), a.deleteTag)

	// Saved views: each user's own, never shown to anyone else.
	register(api, op("list-saved-views", get, "/saved-views", "saved-views", "List your saved views of a list",
		"Your own views only, by name. A view is the list's query string (q, filter[…], sort), as GET /contacts reads it."), a.listSavedViews)
	register(api, created(op("create-saved-view", post, "/saved-views", "saved-views", "Save a view of a list",
		"Names are unique per user and list (409 otherwise); at most 50 views per list. Anyone signed in may, a viewer too.")), a.createSavedView)
	register(api, noContent(op("delete-saved-view", del, "/saved-views/{id}", "saved-views", "Delete one of your saved views",
		"Another user's view is not found.")), a.deleteSavedView)

	// Users.
	register(api, op("list-users", get, "/users", "users", "List users", ""), a.listUsers)
	register(api, created(op("create-user", post, "/users", "users", "Add a user", "Admins only.")), a.createUser)
	register(api, op("get-me", get, "/users/me", "users", "Read yourself", ""), a.me)
	register(api, op("get-user", get, "/users/{id}", "users", "Read a user", ""), a.getUser)
	register(api, op("update-user", patch, "/users/{id}", "users", "Change a user",
		"Admins change anything; users change their own name and language."), a.updateUser)
	documentBody[account.UserFields](a, patch, Prefix+"/users/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("set-user-password", put, "/users/{id}/password", "users", "Set a user's password",
		"Users give their current password; admins may set anyone's. Every session of the user ends.")), a.setPassword)

	// Teams.
	register(api, op("list-teams", get, "/teams", "teams", "List teams", ""), a.listTeams)
	register(api, created(op("create-team", post, "/teams", "teams", "Create a team", "Admins only.")), a.createTeam)
	register(api, op("get-team", get, "/teams/{id}", "teams", "Read a team", ""), a.getTeam)
	register(api, op("update-team", patch, "/teams/{id}", "teams", "Rename a team", "Admins only."), a.updateTeam)
	documentBody[account.TeamFields](a, patch, Prefix+"/teams/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-team", del, "/teams/{id}", "teams", "Delete a team",
		"Admins only. Records it owned keep their owner.")), a.deleteTeam)
	register(api, op("add-team-member", put, "/teams/{id}/members/{user_id}", "teams", "Add a user to a team", "Admins only."), a.addTeamMember)
	register(api, op("remove-team-member", del, "/teams/{id}/members/{user_id}", "teams", "Take a user out of a team", "Admins only."), a.removeTeamMember)

	// API tokens.
	register(api, op("list-tokens", get, "/tokens", "tokens", "List API tokens", "Your own; admins may list anyone's."), a.listTokens)
	register(api, created(op("create-token", post, "/tokens", "tokens", "Create an API token",
		"The answer holds the secret, once.")), a.createToken)
	register(api, noContent(op("revoke-token", del, "/tokens/{id}", "tokens", "Revoke an API token", "")), a.revokeToken)

	// Sign-in.
	login := public(op("login", post, "/auth/login", "auth", "Sign in",
		"Sets the session cookie. Failed attempts are limited per email and per client address (429 with Retry-After)."))
	login.Errors = []int{http.StatusUnauthorized, http.StatusTooManyRequests}
	register(api, login, a.login)
	register(api, public(noContent(op("logout", post, "/auth/logout", "auth", "Sign out", "Ends the session and clears its cookie."))), a.logout)
	register(api, op("get-session", get, "/auth/session", "auth", "Who am I", "The signed-in user (by cookie or token)."), a.session)

	// Audit.
	register(api, op("list-audit", get, "/audit", "audit", "Read the audit log", "Admins only. Newest first."), a.auditLog)

	// Events and timelines.
	register(api, created(op("create-event", post, "/events", "events", "Record an event",
		"A touchpoint on any channel. The customer is matched by contact_id, external_id (of the event's source), email or phone; a new email, phone or external id creates a contact. An anonymous_id alone makes an anonymous profile; beside a known customer (an identify event) it joins that profile, and its earlier events, to the customer. An event whose client_event_id is stored already is not stored again.")), a.createEvent)
	register(api, batch(op("create-events-batch", post, "/events/batch", "events", "Record up to 10,000 events (NDJSON)",
		"One JSON event per line (application/x-ndjson), at most 10,000 lines and 16 MB. Every line is answered: 201 stored, 200 already stored (same client_event_id, so retrying a batch is safe), or its problem; bad lines do not stop the good ones.")), a.createEvents)
	documentNDJSON[touchpoint.EventInput](a, Prefix+"/events/batch", "Events, one JSON object per line")
	register(api, op("list-events", get, "/events", "events", "List events", "In the order they were stored."), a.listEvents)
	register(api, op("get-event", get, "/events/{id}", "events", "Read an event", ""), a.getEvent)
	register(api, op("contact-timeline", get, "/contacts/{id}/timeline", "contacts", "A contact's timeline: the customer 360",
		"Every event, order and change of the contact (and of the contacts merged into it), newest first, filterable by kind, type and channel."), a.contactTimeline)
	register(api, op("company-timeline", get, "/companies/{id}/timeline", "companies", "A company's timeline",
		"Every event and order of the company's current people and every change of the company, newest first."), a.companyTimeline)

	// Products.
	register(api, op("list-products", get, "/products", "products", "List products", "By name; q searches SKU and name."), a.listProducts)
	register(api, created(op("create-product", post, "/products", "products", "Create a product",
		"Managers and admins. Amounts are integers in the minor unit of the currency (cents). The first product or order fixes the database's currency.")), a.createProduct)
	register(api, batch(op("create-products-batch", post, "/products/batch", "products", "Create up to 1,000 products", "")), a.createProducts)
	documentBody[BatchBody[commerce.ProductFields]](a, post, Prefix+"/products/batch", "application/json", "The products to create")
	register(api, op("get-product", get, "/products/{id}", "products", "Read a product", ""), a.getProduct)
	register(api, op("update-product", patch, "/products/{id}", "products", "Change a product", "A JSON merge patch (RFC 7396)."), a.updateProduct)
	documentBody[commerce.ProductFields](a, patch, Prefix+"/products/{id}", "application/merge-patch+json", "The fields to change")

	// Orders.
	register(api, op("list-orders", get, "/orders", "orders", "List orders", "Newest first. Agents list the orders of one contact they may read."), a.listOrders)
	register(api, created(op("create-order", post, "/orders", "orders", "Create an order",
		"A sale (or a return) with its lines; totals, revenue and profit are derived. The customer is matched as events match it; a line's SKU not in the catalogue creates the product when the line has a name.")), a.createOrder)
	register(api, batch(op("create-orders-batch", post, "/orders/batch", "orders", "Create up to 1,000 orders",
		"Each order is checked on its own: an order whose number is in use is refused with 409 and params.existing_id.")), a.createOrders)
	documentBody[BatchBody[commerce.OrderInput]](a, post, Prefix+"/orders/batch", "application/json", "The orders to create")
	register(api, op("get-order", get, "/orders/{id}", "orders", "Read an order", "With its lines and refunds."), a.getOrder)
	register(api, op("set-order-status", post, "/orders/{id}/status", "orders", "Move an order to another status", ""), a.setOrderStatus)
	register(api, op("refund-order", post, "/orders/{id}/refunds", "orders", "Refund an order, in part or whole",
		"Refunding what is left makes the order refunded."), a.refundOrder)

	// Carts.
	register(api, op("list-carts", get, "/carts", "carts", "List carts", "Most recently active first; idle_hours with status=open lists abandoned carts."), a.listCarts)
	register(api, created(op("create-cart", post, "/carts", "carts", "Record a cart", "Of a known customer or an anonymous shopper.")), a.createCart)
	register(api, op("get-cart", get, "/carts/{id}", "carts", "Read a cart", ""), a.getCart)
	register(api, op("update-cart", patch, "/carts/{id}", "carts", "Change a cart", "Its lines, status, order or last activity."), a.updateCart)

	// Subscriptions.
	register(api, op("list-subscriptions", get, "/subscriptions", "subscriptions", "List subscriptions", "Newest first."), a.listSubscriptions)
	register(api, created(op("create-subscription", post, "/subscriptions", "subscriptions", "Record a subscription", "")), a.createSubscription)
	register(api, op("get-subscription", get, "/subscriptions/{id}", "subscriptions", "Read a subscription", ""), a.getSubscription)
	register(api, op("update-subscription", patch, "/subscriptions/{id}", "subscriptions", "Pause, resume, cancel or re-price a subscription", ""), a.updateSubscription)
	register(api, created(op("renew-subscription", post, "/subscriptions/{id}/renewals", "subscriptions", "Record the renewal that is due",
		"Creates the paid order of the period (numbered SUB-<id>-<date>, so a repeated call is refused with 409) and moves renews_at one period on.")), a.renewSubscription)

	// Reports.
	register(api, op("report-overview", get, "/reports/overview", "reports", "The owner's overview",
		"Customers (total, new, reactivated, lapsed), revenue and profit against the previous period, the top customers by profit, revenue by channel and the 80/20 share of profit. Admins and viewers."), a.overview)

	// Imports.
	register(api, upload(op("start-import", post, "/imports", "imports", "Import a CSV file",
		"The body is the file (CSV in UTF-8, UTF-16, Big5 or GBK/GB18030, gzip-compressed or not; up to 256 MB). The import runs in the background: follow its progress at the Location. Rows are checked on their own; rejected rows are listed with their reasons at problems_url, and a rejected row never stops the good ones.")), a.startImport)
	documentUpload(a, Prefix+"/imports")
	register(api, upload(op("preview-import", post, "/imports/preview", "imports", "Preview an import",
		"What an import of this file would read: its encoding and separator, the header, the mapping (given or guessed) and the first ten rows. Nothing is stored.")), a.previewImport)
	documentUpload(a, Prefix+"/imports/preview")
	register(api, op("list-imports", get, "/imports", "imports", "List imports", "Yours, newest first (admins see everyone's)."), a.listImports)
	register(api, op("get-import", get, "/imports/{id}", "imports", "Follow an import", "Status, progress in percent and, once done, the report."), a.getImport)
	register(api, op("get-import-problems", get, "/imports/{id}/problems.csv", "imports", "The rejected rows and warnings of an import",
		"CSV (UTF-8 with BOM, for Excel): line, level, reason, then the row's cells."), a.importProblems)

	// Sales.
	register(api, op("list-pipelines", get, "/pipelines", "pipelines", "List pipelines with their stages", ""), a.listPipelines)
	register(api, created(op("create-pipeline", post, "/pipelines", "pipelines", "Create a pipeline",
		"Admins only. Stages in order, each with its win probability; exactly one won and one lost stage, after the open ones.")), a.createPipeline)
	register(api, op("get-pipeline", get, "/pipelines/{id}", "pipelines", "Read a pipeline", ""), a.getPipeline)
	register(api, op("update-pipeline", patch, "/pipelines/{id}", "pipelines", "Rename a pipeline", "Admins only. A JSON merge patch."), a.updatePipeline)
	documentBody[sales.PipelineFields](a, patch, Prefix+"/pipelines/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-pipeline", del, "/pipelines/{id}", "pipelines", "Delete a pipeline", "Admins only; refused (409) while it has deals.")), a.deletePipeline)
	register(api, withPrecondition(created(op("add-stage", post, "/pipelines/{id}/stages", "pipelines", "Add an open stage",
		"Admins only. If-Match takes the pipeline's ETag: every change of a stage is a change of its pipeline."))), a.addStage)
	register(api, op("update-stage", patch, "/pipelines/{id}/stages/{stage_id}", "pipelines", "Rename a stage or change its probability",
		"Admins only. A JSON merge patch; If-Match takes the pipeline's ETag. The won (100) and lost (0) probabilities are fixed."), a.updateStage)
	documentBody[sales.StageFields](a, patch, Prefix+"/pipelines/{id}/stages/{stage_id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-stage", del, "/pipelines/{id}/stages/{stage_id}", "pipelines", "Delete an open stage",
		"Admins only; refused (409) while deals are in it. Moves through it stay in the deals' histories as an unknown stage.")), a.deleteStage)
	register(api, withPrecondition(op("reorder-stages", put, "/pipelines/{id}/stage-order", "pipelines", "Put the stages in a new order",
		"Admins only. Name every stage once; the won and lost stages last. Conversion figures follow the new order.")), a.reorderStages)

	register(api, op("list-deals", get, "/deals", "deals", "List deals",
		"The deals you may see, newest first: filter by pipeline, stage (a column of the kanban board), owner, team, company, contact, status and expected close date."), a.listDeals)
	register(api, created(op("create-deal", post, "/deals", "deals", "Create a deal",
		"In the stage named (default: the first of the pipeline). Amounts are minor units of the database's currency; with lines, the amount is their total. Contacts and the company must be ones you may read.")), a.createDeal)
	register(api, batch(op("create-deals-batch", post, "/deals/batch", "deals", "Create up to 1,000 deals",
		"Each deal is checked on its own: the valid ones are created together.")), a.createDeals)
	documentBody[BatchBody[sales.DealInput]](a, post, Prefix+"/deals/batch", "application/json", "The deals to create")
	register(api, batch(op("move-deals-batch", post, "/deals/move-batch", "deals", "Move up to 1,000 deals",
		"Each move is checked and applied on its own, as POST /deals/{id}/move does (lost reason, permissions, if_version); the answer lists every move's status and deal id or problem.")), a.moveDeals)
	documentBody[BatchBody[DealMove]](a, post, Prefix+"/deals/move-batch", "application/json", "The moves")
	register(api, op("get-deal", get, "/deals/{id}", "deals", "Read a deal", "With its contacts and lines."), a.getDeal)
	register(api, op("update-deal", patch, "/deals/{id}", "deals", "Change a deal",
		"A JSON merge patch of its fields; its stage changes only by moving it. With If-Match, a stale version gets 412."), a.updateDeal)
	documentBody[sales.DealFields](a, patch, Prefix+"/deals/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-deal", del, "/deals/{id}", "deals", "Delete a deal", "With its history of moves.")), a.deleteDeal)
	register(api, withPrecondition(op("move-deal", post, "/deals/{id}/move", "deals", "Move a deal to a stage",
		"The kanban board's one call. Into the lost stage needs lost_reason; into the won or lost stage closes the deal; from a closed stage into an open one reopens it. Every move is recorded. With If-Match, a stale version gets 412.")), a.moveDeal)
	register(api, op("list-deal-stage-changes", get, "/deals/{id}/stage-changes", "deals", "A deal's moves between stages",
		"Oldest first, from its creation, with how long it stayed in each stage it left; reopened marks a closed deal moved back to an open stage."), a.dealStageChanges)
	register(api, op("list-deal-audit", get, "/deals/{id}/audit", "deals", "Read a deal's history", "Who changed what, newest first."), a.dealAudit)

	// Quotes.
	register(api, created(op("create-quote", post, "/deals/{id}/quotes", "quotes", "Make a quote from a deal's lines",
		"For those who may change the deal; the deal must be open and have lines. Numbered Q-000123; valid 30 days unless valid_until says otherwise. Later changes to the deal leave the quote as it was.")), a.createQuote)
	register(api, op("list-deal-quotes", get, "/deals/{id}/quotes", "quotes", "A deal's quotes", "Newest first."), a.dealQuotes)
	register(api, op("get-quote", get, "/quotes/{id}", "quotes", "Read a quote", "For those who may read its deal."), a.getQuote)
	register(api, withPrecondition(op("decide-quote", post, "/quotes/{id}/status", "quotes", "Send, accept or reject a quote",
		"A draft is sent; a sent quote still valid is accepted or rejected. accepted with mark_won also moves the deal to its won stage, in the same transaction.")), a.decideQuote)
	register(api, op("quote-document", get, "/quotes/{id}/document", "quotes", "The printable quote",
		"An HTML page in your language, with print styles: print it or save it as PDF from the browser."), a.quoteDocument)

	register(api, op("sales-forecast", get, "/sales/forecast", "sales", "Forecast a period",
		"Over the deals you may see (managers: their teams'; agents: their own and their team's): committed (won in the period), weighted pipeline (amount × stage probability of the open deals expected to close in the period), best case, and a history-based forecast that uses each stage's observed conversion to won and each owner's past win rate and cycle length instead of the fixed probabilities, with the gap between the two. The history is every closed deal you may see."), a.forecast)
	register(api, op("sales-kpis", get, "/sales/kpis", "sales", "Sales KPIs of a period",
		"Win rate, average deal size and cycle length of the deals closed in the period (overall and per owner), stage conversion of the deals created in it, open pipeline and its coverage of a target. Activities per deal: the activities (tasks, calls, meetings, notes) logged on the deals closed in the period, over those deals."), a.kpis)

	// Activities and notifications.
	register(api, created(op("create-activity", post, "/activities", "activities", "Log or plan an activity",
		"A task, call, meeting or note on a contact, company, deal or lead you may change. Tasks, calls and meetings are assigned to you unless assignee_id names a colleague who may read the record (they are notified). remind_at schedules a reminder (a notification, and an email when SMTP is set up). @name or @email in the body notifies colleagues who may read the record; other mentions stay text. completed: true logs one that is done (a call with its outcome).")), a.createActivity)
	register(api, op("list-activities", get, "/activities", "activities", "A record's activities",
		"Newest first, for a record you may read (a contact's include those of the contacts merged into it)."), a.listActivities)
	register(api, op("my-tasks", get, "/activities/mine", "activities", "My tasks",
		"Your open tasks, calls and meetings, soonest due first and those without a due time last: all of them, those due today (in tz), or the overdue ones."), a.myTasks)
	register(api, op("overdue-activities", get, "/activities/overdue", "activities", "A rep's overdue activities",
		"Open tasks, calls and meetings assigned to the rep and due before now, oldest first. Yours, or a rep's whose records you may see (managers: their teams'; admins and viewers: anyone's)."), a.overdueActivities)
	register(api, op("deals-without-next-step", get, "/activities/no-next-step", "activities", "A rep's open deals without a next step",
		"Open deals owned by the rep with no open task, call or meeting due in the future, oldest first, with when an activity on each was last logged or completed. Who may ask is as for the overdue list."), a.dealsWithoutNextStep)
	register(api, op("get-activity", get, "/activities/{id}", "activities", "Read an activity",
		"For those who may read its record, its owner's team and its assignee."), a.getActivity)
	register(api, op("update-activity", patch, "/activities/{id}", "activities", "Change an activity",
		"A JSON merge patch of its fields; type and record stay. completed: true completes it (recording when and by whom), false reopens it. A moved reminder replaces the earlier one; null clears it. New mentions notify. With If-Match, a stale version gets 412."), a.updateActivity)
	documentBody[activity.Fields](a, patch, Prefix+"/activities/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-activity", del, "/activities/{id}", "activities", "Delete an activity",
		"With its notifications; its reminder will not come.")), a.deleteActivity)
	register(api, op("list-notifications", get, "/notifications", "notifications", "Your notifications",
		"Newest first: reminders, mentions and activities given to you, written in your language. unread=true keeps the unread ones; the first page's total counts them."), a.listNotifications)
	register(api, op("read-notification", post, "/notifications/{id}/read", "notifications", "Mark a notification read", "Only your own."), a.readNotification)
	register(api, op("read-all-notifications", post, "/notifications/read-all", "notifications", "Mark every notification read", ""), a.readAllNotifications)

	// Leads, the shared lead pools (公海) and web forms.
	register(api, op("list-leads", get, "/leads", "leads", "List leads",
		"The leads you may read, newest first: filter by status, owner, team, source and web form. Leads without an owner are listed by their pool (GET /pools/{id}/leads)."), a.listLeads)
	register(api, created(op("create-lead", post, "/leads", "leads", "Create a lead",
		"Yours unless owner_id names another user; unowned: true leaves it in its pool. The email is stored lower-case, the phone in E.164; the lead is scored at once (score, score_reasons).")), a.createLead)
	register(api, batch(op("create-leads-batch", post, "/leads/batch", "leads", "Create up to 1,000 leads",
		"Each lead is checked on its own: the valid ones are created together, and the answer lists every lead's status and id or problem.")), a.createLeads)
	documentBody[BatchBody[lead.LeadInput]](a, post, Prefix+"/leads/batch", "application/json", "The leads to create")
	register(api, op("get-lead", get, "/leads/{id}", "leads", "Read a lead",
		"With its score and the reasons for it, and its pool claim. A lead in a pool is readable by those who may work that pool."), a.getLead)
	register(api, op("update-lead", patch, "/leads/{id}", "leads", "Change a lead",
		"A JSON merge patch of its fields; it is rescored. Its status changes only by qualifying, disqualifying or converting it. Taking its owner away returns it to its pool. With If-Match, a stale version gets 412."), a.updateLead)
	documentBody[lead.LeadFields](a, patch, Prefix+"/leads/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-lead", del, "/leads/{id}", "leads", "Delete a lead", "For good; its history stays in the audit log.")), a.deleteLead)
	register(api, withPrecondition(op("qualify-lead", post, "/leads/{id}/qualify", "leads", "Qualify a lead",
		"A new lead, or a disqualified one taken back. A converted lead stays converted (409).")), a.qualifyLead)
	register(api, withPrecondition(op("disqualify-lead", post, "/leads/{id}/disqualify", "leads", "Disqualify a lead",
		"A reason is required (422 disqualify_reason_required). It ends the lead's pool claim.")), a.disqualifyLead)
	register(api, withPrecondition(op("convert-lead", post, "/leads/{id}/convert", "leads", "Convert a lead into a contact, a company and a deal",
		"In one transaction: a contact from the lead (or contact_id, an existing one), a company from its company name (or company_id; no_company: none) with the contact's position there, and a deal when deal is given. They belong to the lead's owner, and each has an audit entry \"convert\" naming the lead; the lead becomes converted with their ids. A contact whose email or phone another contact has is refused (409 duplicate_contact with params.existing_id): convert into it with contact_id.")), a.convertLead)
	register(api, op("list-lead-audit", get, "/leads/{id}/audit", "leads", "Read a lead's history", "Who changed what, newest first: creation, edits, claims, releases, recycling, conversion."), a.leadAudit)
	register(api, op("get-lead-scoring", get, "/lead-scoring", "leads", "The lead scoring rules",
		"Points for a company, a business email (not free mail), a phone, the company size and the source, and for behaviour: events of a type (with a property containing a text) on the contacts with the lead's email or phone, within some days."), a.getLeadScoring)
	register(api, op("put-lead-scoring", put, "/lead-scoring", "leads", "Change the lead scoring rules",
		"Admins only. Every open lead is rescored by a background job (leads are also rescored hourly, and on every change)."), a.putLeadScoring)

	register(api, op("list-pools", get, "/pools", "pools", "List the lead pools", "The default pool first, then the teams' pools, with their rules."), a.listPools)
	register(api, created(op("create-pool", post, "/pools", "pools", "Create a team's pool",
		"Admins only; one per team. Records of the team without an owner sit in it; those of teams without a pool sit in the default pool.")), a.createPool)
	register(api, op("get-pool", get, "/pools/{id}", "pools", "Read a pool", ""), a.getPool)
	register(api, op("update-pool", patch, "/pools/{id}", "pools", "Change a pool's rules",
		"Admins only. A JSON merge patch: claim_cap, recycle_days, protection_days, collision_policy, name."), a.updatePool)
	documentBody[lead.PoolFields](a, patch, Prefix+"/pools/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-pool", del, "/pools/{id}", "pools", "Delete a team's pool",
		"Admins only; the default pool stays (409). Its records fall to the default pool; its claims end, the records staying with their reps.")), a.deletePool)
	register(api, op("list-pool-leads", get, "/pools/{id}/leads", "pools", "The leads in a pool",
		"Open leads without an owner, newest first. Reps see the default pool and their teams' pools; admins and viewers every pool."), a.poolLeads)
	register(api, op("list-pool-contacts", get, "/pools/{id}/contacts", "pools", "The contacts in a pool",
		"Live contacts without an owner, newest first, as a pool card: who they are and where they work, not how to reach them."), a.poolContacts)
	register(api, created(op("claim-lead", post, "/leads/{id}/claim", "pools", "Claim a lead from its pool",
		"201 with the claim when the lead is yours; 202 with a pending claim when it matches another rep's customer and the pool sends such claims for approval. Refused with 409: claim_cap_reached (you hold the pool's cap), claim_protected (it came back from you within the protection days), claim_collision (it matches another rep's customer: same email, phone or company; params name it), claim_pending, not_in_pool.")), a.claimLead)
	documentAccepted(a, Prefix+"/leads/{id}/claim")
	register(api, created(op("claim-contact", post, "/contacts/{id}/claim", "pools", "Claim a contact from its pool",
		"As POST /leads/{id}/claim, for a contact without an owner.")), a.claimContact)
	documentAccepted(a, Prefix+"/contacts/{id}/claim")
	register(api, noContent(op("release-lead", post, "/leads/{id}/release", "pools", "Put a lead back in its pool",
		"Its owner (or a manager or admin) gives it up; the owner may not claim it again for the pool's protection days.")), a.releaseLead)
	register(api, noContent(op("release-contact", post, "/contacts/{id}/release", "pools", "Put a contact back in its pool",
		"As POST /leads/{id}/release, for a contact.")), a.releaseContact)
	register(api, op("list-pool-claims", get, "/pool-claims", "pools", "List claims",
		"Oldest first, each with when it falls due for recycling. Admins see every claim; managers those of the pools whose claims they decide, and their own; others their own (mine=true: only your own)."), a.listClaims)
	register(api, op("approve-pool-claim", post, "/pool-claims/{id}/approve", "pools", "Approve a pending claim",
		"Admins, and managers of the pool's team (any manager, for the default pool); not your own claim. The record becomes the claimer's."), a.approveClaim)
	register(api, op("reject-pool-claim", post, "/pool-claims/{id}/reject", "pools", "Reject a pending claim", "As approving; the record stays in the pool."), a.rejectClaim)

	register(api, op("list-lead-forms", get, "/lead-forms", "forms", "List web forms", "Admins and managers."), a.listForms)
	register(api, created(op("create-lead-form", post, "/lead-forms", "forms", "Define a web form",
		"Admins only. Its page is /forms/{slug} (embed it in an iframe); submissions go to POST /api/v1/forms/{slug}. Each makes an unowned lead in the form's pool, with the form's default source and the UTM parameters.")), a.createForm)
	register(api, op("get-lead-form", get, "/lead-forms/{id}", "forms", "Read a web form", "Admins and managers."), a.getForm)
	register(api, op("update-lead-form", patch, "/lead-forms/{id}", "forms", "Change a web form", "Admins only. A JSON merge patch."), a.updateForm)
	documentBody[lead.FormFields](a, patch, Prefix+"/lead-forms/{id}", "application/merge-patch+json", "The fields to change")
	register(api, noContent(op("delete-lead-form", del, "/lead-forms/{id}", "forms", "Delete a web form", "Admins only. Its leads stay.")), a.deleteForm)
	register(api, public(op("get-public-form", get, "/forms/{slug}", "forms", "Read a public form",
		"No sign-in. What a page needs to draw the form: its fields, texts, the honeypot field to hide and where to post.")), a.publicForm)
	register(api, public(formBody(op("submit-form", post, "/forms/{slug}", "forms", "Submit a public form",
		"No sign-in. The body is URL-encoded (as an HTML form sends it) or a JSON object of strings: the form's fields (name, email, phone, company_name, title, company_size, notes) and utm_source, utm_medium, utm_campaign, utm_term, utm_content (else taken from the query string, else from the Referer's). A filled honeypot field (website) is answered like a success and stores nothing. At most 10 submissions per client address at once, then one every 6 seconds (per server process): 429 with Retry-After."))), a.submitForm)
	documentFormBody(a, Prefix+"/forms/{slug}")

	// Segments.
	register(api, op("list-segments", get, "/segments", "segments", "List segments", "Every segment, by name, with its size at its last evaluation."), a.listSegments)
	register(api, created(op("create-segment", post, "/segments", "segments", "Create a segment",
		"Admins and managers. "+ruleDoc+" The rule is type-checked against the fields (422 with the path of each problem) and evaluated at once.")), a.createSegment)
	register(api, op("preview-segment", post, "/segments/preview", "segments", "Preview a rule",
		"Its size and newest members now, among the contacts you may read, without saving. "+ruleDoc), a.previewSegment)
	register(api, op("segment-fields", get, "/segments/fields", "segments", "What rules can test", "Field names and the values of the score enums, for a rule builder."), a.segmentFields)
	register(api, op("get-segment", get, "/segments/{id}", "segments", "Read a segment", ""), a.getSegment)
	register(api, withPrecondition(op("put-segment", put, "/segments/{id}", "segments", "Change a segment",
		"Admins and managers. The whole segment (name, description, rule or text); a new rule is evaluated at once. "+ruleDoc)), a.putSegment)
	register(api, noContent(op("delete-segment", del, "/segments/{id}", "segments", "Delete a segment", "Admins and managers; its members and history go with it.")), a.deleteSegment)
	register(api, op("refresh-segment", post, "/segments/{id}/refresh", "segments", "Evaluate a segment now",
		"Brings membership up to date and records who entered and left. Segments are also evaluated within a minute of a change to the data their rules test, and hourly."), a.refreshSegment)
	register(api, op("list-segment-members", get, "/segments/{id}/members", "segments", "A segment's members",
		"At its last evaluation, newest first, among the contacts you may read."), a.segmentMembers)
	register(api, op("list-segment-changes", get, "/segments/{id}/changes", "segments", "Who entered and left a segment",
		"Newest first, among the contacts you may read."), a.segmentChanges)

	// Insight.
	register(api, op("get-insight", get, "/insight", "insight", "The last insight run",
		"RFM grid and score ranges, value tiers, the fitted BG/NBD and Gamma-Gamma parameters with what each figure means, lifecycle and churn-risk counts. Admins and viewers (it adds up every customer). 404 before the first run."), a.lastInsightRun)
	register(api, accepted(op("refresh-insight", post, "/insight/refresh", "insight", "Run insight now",
		"Admins and managers. Starts the durable job that scores every customer (it also runs daily); follow it at the Location.")), a.refreshInsight)
	register(api, op("get-insight-settings", get, "/insight/settings", "insight", "Settings of insight runs", "RFM bins, CLV horizon and discount, tier shares, lifecycle and churn thresholds."), a.getInsightSettings)
	register(api, op("put-insight-settings", put, "/insight/settings", "insight", "Change the settings of insight runs", "Admins only; zero values take the defaults. They apply from the next run."), a.putInsightSettings)
	register(api, op("insight-pareto", get, "/insight/pareto", "insight", "The 80/20 view",
		"Customers ranked by lifetime profit: the cumulative share curve and the fewest customers who make the given share of profit. Admins and viewers."), a.pareto)
	register(api, op("insight-cohorts", get, "/insight/cohorts", "insight", "Retention by first-purchase month or week",
		"For each cohort of customers whose first counted sale falls in the window: its size and how many bought again in each following period, with percentages. Admins and viewers."), a.cohorts)
	register(api, op("insight-funnel", get, "/insight/funnel", "insight", "A conversion funnel over event types",
		"Customers who did each step's event after the previous one, within window_days of their first step, among the events of the window; drop-off at each step. Admins and viewers."), a.funnel)
	register(api, op("insight-baskets", get, "/insight/baskets", "insight", "What customers buy together",
		"Association rules (support, confidence, lift) over the items of the counted sales in the window, optionally only a segment's members' orders, and pair bundles. Admins and viewers."), a.baskets)
	register(api, op("insight-browsers", get, "/insight/pain-points/browsers", "insight", "Customers who browse without buying",
		"Those with at least min_views browsing events in the window and no counted sale since its start, among those you may read. Abandoned carts are GET /carts?status=open&idle_hours=N."), a.browsers)
	register(api, op("insight-declining", get, "/insight/pain-points/declining", "insight", "Customers whose visits dropped sharply",
		"Visits in the recent window at most ratio × their rate in the base window before it, among those you may read."), a.declining)
	register(api, op("get-contact-insight", get, "/contacts/{id}/insight", "contacts", "A contact's scores",
		"RFM, value tier, CLV, P(alive), expected purchases, churn risk and lifecycle stage at the last run, with the history of lifecycle moves and what each figure means."), a.contactInsight)
	register(api, op("get-job", get, "/jobs/{id}", "jobs", "Read a durable job", "Its status, progress and result. Visible to the user who caused it and to admins."), a.getJob)

	// Exports.
	register(api, op("export", get, "/exports/{type}", "exports", "Export records",
		"Every record of the type that you may see, as CSV (UTF-8 with BOM so that Excel reads Chinese; the columns an import reads back; orders one row per line) or, for contacts, as vCard 4.0 for phones and mail programs. Contacts you may see only as their basic card come as that card in CSV and are left out of vCards."), a.export)
}
