package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

const (
	get, post, patch, put, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete
)

func TestContactScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, contactScenarios)
		})
	}
}

var contactScenarios = []scenario{
	{name: "create", as: "admin", method: post, path: "/api/v1/contacts",
		body:   `{"family_name":"王","given_name":"小李","emails":[{"address":"Li@Example.COM","label":"work"}],"phones":[{"number":"0912-345-678","label":"mobile"}],"address":{"city":"台北市","country":"tw"},"birthday":"--10-10","tags":["VIP"]}`,
		status: 201, save: map[string]string{"c1": "id"},
		want:   map[string]any{"display_name": "王小李", "emails.0.address": "li@example.com", "phones.0.number": "+886912345678", "address.country": "TW", "version": 1, "lifecycle_stage": "lead", "tags.0": "VIP"},
		header: map[string]string{"ETag": `"1"`, "Location": "/api/v1/contacts/{c1}"}},
	{name: "duplicate email is refused with the existing id", as: "admin", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"Li","emails":[{"address":"LI@example.com"}]}`, status: 409,
		want: map[string]any{"code": "duplicate_contact", "params.existing_id": "{c1}", "params.field": "email"}},
	{name: "duplicate phone written differently is refused", as: "admin", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"Li","phones":[{"number":"+886 912 345 678"}]}`, status: 409,
		want: map[string]any{"code": "duplicate_contact", "params.existing_id": "{c1}", "params.field": "phone"}},
	{name: "allow_duplicate saves it anyway", as: "admin", method: post, path: "/api/v1/contacts?allow_duplicate=true",
		body: `{"display_name":"小李 (dup)","emails":[{"address":"li@example.com"}]}`, status: 201, save: map[string]string{"c1dup": "id"}},
	{name: "invalid email gets a field error", as: "admin", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"X","emails":[{"address":"nope"}]}`, status: 422,
		want: map[string]any{"code": "validation_failed", "errors.0.field": "emails[0].address", "errors.0.code": "invalid_email"}},
	{name: "unknown field", as: "admin", method: post, path: "/api/v1/contacts", body: `{"display_name":"X","nickname":"x"}`, status: 422,
		want: map[string]any{"errors.0.code": "unexpected_property", "errors.0.field": "nickname"}},
	{name: "wrong type", as: "admin", method: post, path: "/api/v1/contacts", body: `{"display_name":5}`, status: 422,
		want: map[string]any{"errors.0.code": "invalid_type", "errors.0.field": "display_name"}},
	{name: "malformed JSON", as: "admin", method: post, path: "/api/v1/contacts", body: `{"display_name":"王大明",`, status: 400,
		want: map[string]any{"code": "malformed_json", "detail": "~^[^王]*$"}},
	{name: "an invalid enum names the allowed values", as: "admin", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"X","lifecycle_stage":"vip"}`, status: 422,
		want: map[string]any{"errors.0.field": "lifecycle_stage", "errors.0.message": "~customer, loyal, lapsed[.]$"}},
	{name: "an invalid filter value names the allowed values", as: "admin", method: get, path: "/api/v1/contacts?filter[gender]=x", status: 422,
		want: map[string]any{"errors.0.field": "filter[gender]", "errors.0.message": "~female, male, other"}},
	{name: "a country that does not exist", as: "admin", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"X","address":{"country":"ZZ"}}`, status: 422,
		want: map[string]any{"errors.0.field": "address.country", "errors.0.code": "invalid_country"}},
	{name: "a missing property is named", as: "admin", method: post, path: "/api/v1/contacts/{c1}/merge", body: `{}`, status: 422,
		want: map[string]any{"errors.0.code": "required", "errors.0.field": "~.+"}},
	// PostgreSQL refuses NUL and invalid UTF-8; SQLite would take them.
	// Either way they are refused before they reach a store.
	{name: "NUL in a name", as: "admin", method: post, path: "/api/v1/contacts", body: `{"display_name":"a\u0000b"}`, status: 422,
		want: map[string]any{"errors.0.code": "invalid_text", "errors.0.field": "display_name"}},
	{name: "control character in a custom value", as: "admin", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"X","custom":{"membership":"\u001b[31m"}}`, status: 422,
		want: map[string]any{"errors.0.code": "invalid_text", "errors.0.field": "custom.membership"}},
	{name: "NUL in a filter", as: "admin", method: get, path: "/api/v1/contacts?filter[city]=a%00b", status: 422,
		want: map[string]any{"errors.0.code": "invalid_text", "errors.0.field": "filter[city]"}},
	{name: "invalid UTF-8 in a filter", as: "admin", method: get, path: "/api/v1/contacts?filter[city][in]=%FF%FE,x", status: 422,
		want: map[string]any{"errors.0.code": "invalid_text"}},
	{name: "invalid UTF-8 in a search", as: "admin", method: get, path: "/api/v1/contacts?q=%E7%8E", status: 422,
		want: map[string]any{"errors.0.code": "invalid_text", "errors.0.field": "q"}},
	{name: "NUL in a patch", as: "admin", method: patch, path: "/api/v1/contacts/{c1}", body: `{"address":{"city":"\u0000"}}`, status: 422,
		want: map[string]any{"errors.0.code": "invalid_text", "errors.0.field": "address.city"}},
	{name: "nothing to identify the person", as: "admin", method: post, path: "/api/v1/contacts", body: `{}`, status: 422,
		want: map[string]any{"errors.0.code": "name_or_contact_required"}},
	{name: "national phone of an unknown length", as: "admin", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"X","phones":[{"number":"12"}]}`, status: 422, want: map[string]any{"errors.0.code": "invalid_phone_length", "errors.0.field": "phones[0].number"}},
	{name: "body too large", as: "admin", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"` + strings.Repeat("x", 2<<20) + `"}`, status: 413, want: map[string]any{"code": "body_too_large"}},
	{name: "invalid input wrote nothing", as: "admin", method: get, path: "/api/v1/contacts", status: 200,
		want: map[string]any{"total.value": 2, "total.exact": true, "items.#": 2}},
	{name: "errors follow Accept-Language", as: "admin", method: post, path: "/api/v1/contacts", body: `{}`,
		headers: []string{"Accept-Language", "zh-TW,zh;q=0.9"}, status: 422,
		want: map[string]any{"detail": "部分欄位內容無效。", "errors.0.message": "請提供姓名、電子郵件或電話。"}},

	{name: "read", as: "admin", method: get, path: "/api/v1/contacts/{c1}", status: 200,
		want: map[string]any{"id": "{c1}", "owner_id": "{admin_id}"}, header: map[string]string{"ETag": `"1"`}},
	{name: "read missing", as: "admin", method: get, path: "/api/v1/contacts/999999", status: 404, want: map[string]any{"code": "not_found"}},
	{name: "read with a bad id", as: "admin", method: get, path: "/api/v1/contacts/abc", status: 422},
	{name: "update with If-Match", as: "admin", method: patch, path: "/api/v1/contacts/{c1}", headers: []string{"If-Match", `"1"`},
		body: `{"given_name":"小麗","address":{"street":"信義路五段7號"}}`, status: 200,
		want: map[string]any{"version": 2, "display_name": "王小麗", "address.city": "台北市", "address.street": "信義路五段7號"}, header: map[string]string{"ETag": `"2"`}},
	{name: "stale If-Match", as: "admin", method: patch, path: "/api/v1/contacts/{c1}", headers: []string{"If-Match", `"1"`},
		body: `{"given_name":"X"}`, status: 412, want: map[string]any{"code": "stale_version", "params.current_version": 2}},
	{name: "malformed If-Match", as: "admin", method: patch, path: "/api/v1/contacts/{c1}", headers: []string{"If-Match", `v2`},
		body: `{"given_name":"X"}`, status: 400, want: map[string]any{"code": "invalid_if_match"}},
	{name: "merge patch null clears, lists replace", as: "admin", method: patch, path: "/api/v1/contacts/{c1}",
		body: `{"birthday":null,"tags":["VIP","素食"],"lifecycle_stage":"customer"}`, status: 200,
		want: map[string]any{"birthday": "", "tags.#": 2, "lifecycle_stage": "customer", "version": 3}},
	{name: "a patch that changes nothing keeps the version", as: "admin", method: patch, path: "/api/v1/contacts/{c1}",
		body: `{"lifecycle_stage":"customer"}`, status: 200, want: map[string]any{"version": 3}},
	{name: "patch with an invalid value writes nothing", as: "admin", method: patch, path: "/api/v1/contacts/{c1}",
		body: `{"lifecycle_stage":"vip","given_name":"Y"}`, status: 422, want: map[string]any{"errors.0.code": "not_one_of", "errors.0.field": "lifecycle_stage"}},
	{name: "patch is not an object", as: "admin", method: patch, path: "/api/v1/contacts/{c1}", body: `[1]`, status: 400,
		want: map[string]any{"code": "malformed_json"}},
	{name: "unchanged after the refused patch", as: "admin", method: get, path: "/api/v1/contacts/{c1}", status: 200,
		want: map[string]any{"given_name": "小麗", "version": 3}},

	{name: "search a two-character Chinese substring", as: "admin", method: get, path: "/api/v1/contacts?q=小麗", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{c1}"}},
	{name: "search one character", as: "admin", method: get, path: "/api/v1/contacts?q=麗", status: 200, want: map[string]any{"items.#": 1}},
	{name: "search phone digits", as: "admin", method: get, path: "/api/v1/contacts?q=0912-345", status: 200, want: map[string]any{"items.0.id": "{c1}"}},
	{name: "search email prefix, any case", as: "admin", method: get, path: "/api/v1/contacts?q=LI@EXAM", status: 200, want: map[string]any{"items.#": 2}},
	{name: "filter and sort", as: "admin", method: get, path: "/api/v1/contacts?filter[city]=台北市&filter[tag]=vip&sort=display_name", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{c1}"}},
	{name: "filter in", as: "admin", method: get, path: "/api/v1/contacts?filter[lifecycle_stage][in]=customer,loyal", status: 200,
		want: map[string]any{"items.#": 1}},
	{name: "first page of one", as: "admin", method: get, path: "/api/v1/contacts?limit=1&sort=id", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{c1}", "total.value": 2}, save: map[string]string{"next": "next_url"},
		header: map[string]string{"Link": `~^</api/v1/contacts\?.*cursor=.*>; rel="next"$`}},
	{name: "next page", as: "admin", method: get, path: "{next}", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{c1dup}"}},
	{name: "unknown filter field", as: "admin", method: get, path: "/api/v1/contacts?filter[shoe_size]=9", status: 422,
		want: map[string]any{"errors.0.field": "filter[shoe_size]", "errors.0.code": "unknown_field"}},
	{name: "bad filter syntax", as: "admin", method: get, path: "/api/v1/contacts?filter[city]]=x", status: 422,
		want: map[string]any{"errors.0.code": "invalid_filter"}},
	{name: "operator that does not apply", as: "admin", method: get, path: "/api/v1/contacts?filter[tag][gt]=a", status: 422,
		want: map[string]any{"errors.0.code": "operator_not_allowed"}},
	{name: "bad time", as: "admin", method: get, path: "/api/v1/contacts?filter[created_at][gte]=yesterday", status: 422,
		want: map[string]any{"errors.0.code": "expected_time"}},
	{name: "not sortable", as: "admin", method: get, path: "/api/v1/contacts?sort=emails", status: 422, want: map[string]any{"errors.0.code": "not_sortable"}},
	{name: "bad cursor", as: "admin", method: get, path: "/api/v1/contacts?cursor=!!", status: 400, want: map[string]any{"code": "invalid_cursor"}},
	{name: "limit too large", as: "admin", method: get, path: "/api/v1/contacts?limit=501", status: 422},

	{name: "batch: good ones in, bad ones reported", as: "admin", method: post, path: "/api/v1/contacts/batch",
		body:   `{"items":[{"display_name":"Batch One","emails":[{"address":"b1@example.com"}]},{"emails":"x"},{"display_name":"Dup","emails":[{"address":"li@example.com"}]},{"display_name":"Batch Two","emails":[{"address":"b1@example.com"}]},{"display_name":"Batch Three"}]}`,
		status: 200, want: map[string]any{"created": 2, "failed": 3, "results.0.status": 201, "results.1.status": 422, "results.1.error.errors.0.field": "emails",
			"results.2.status": 409, "results.2.error.code": "duplicate_contact", "results.3.status": 409, "results.3.error.code": "duplicate_in_batch",
			"results.3.error.params.index": 0, "results.4.status": 201},
		save: map[string]string{"b1": "results.0.id"}},
	{name: "batch: a record with a NUL is refused alone", as: "admin", method: post, path: "/api/v1/contacts/batch",
		body:   `{"items":[{"display_name":"Nul Free"},{"display_name":"x","tags":["a\u0000"]},{"display_name":"y","anniversaries":[{"label":"\u0007","date":"2020-01-01"}]}]}`,
		status: 200, want: map[string]any{"created": 1, "failed": 2, "results.0.status": 201,
			"results.1.status": 422, "results.1.error.errors.0.code": "invalid_text", "results.1.error.errors.0.field": "tags[0]",
			"results.2.status": 422, "results.2.error.errors.0.code": "invalid_text"}},
	{name: "a patch with a control character in a custom value", as: "admin", method: patch, path: "/api/v1/contacts/{c1}",
		body: `{"custom":{"anything":"\u0000"}}`, status: 422, want: map[string]any{"errors.0.code": "invalid_text", "errors.0.field": "custom.anything"}},
	{name: "batch: empty", as: "admin", method: post, path: "/api/v1/contacts/batch", body: `{"items":[]}`, status: 422},
	{name: "batch: not JSON", as: "admin", method: post, path: "/api/v1/contacts/batch", body: `items`, status: 400},
	{name: "batch: too many", as: "admin", method: post, path: "/api/v1/contacts/batch",
		body: `{"items":[` + strings.TrimSuffix(strings.Repeat(`{"display_name":"x"},`, 1001), ",") + `]}`, status: 413, want: map[string]any{"code": "batch_too_large"}},

	{name: "duplicates", as: "admin", method: get, path: "/api/v1/contacts/{c1}/duplicates", status: 200,
		want: map[string]any{"items.#": 1, "items.0.contact.id": "{c1dup}", "items.0.reasons.0": "same_email"}},
	{name: "merge with a stale version", as: "admin", method: post, path: "/api/v1/contacts/{c1}/merge", headers: []string{"If-Match", `"1"`},
		body: `{"contact_id":{c1dup}}`, status: 412},
	{name: "merge", as: "admin", method: post, path: "/api/v1/contacts/{c1}/merge", body: `{"contact_id":{c1dup}}`, status: 200,
		want: map[string]any{"id": "{c1}", "version": 4}},
	{name: "merged contact points at the survivor", as: "admin", method: get, path: "/api/v1/contacts/{c1dup}", status: 200,
		want: map[string]any{"merged_into_id": "{c1}"}},
	{name: "survivor's history holds both", as: "admin", method: get, path: "/api/v1/contacts/{c1}/audit?limit=50", status: 200,
		check: func(t *testing.T, w *world, r *testenv.Response) {
			var page struct {
				Items []struct {
					Action   string `json:"action"`
					RecordID int64  `json:"record_id"`
				} `json:"items"`
			}
			r.JSON(t, &page)
			seen := map[string]bool{}
			for _, e := range page.Items {
				seen[e.Action+":"+itoa(e.RecordID)] = true
			}
			for _, want := range []string{"create:" + w.ids["c1"], "create:" + w.ids["c1dup"], "merge:" + w.ids["c1"], "merge:" + w.ids["c1dup"], "update:" + w.ids["c1"]} {
				if !seen[want] {
					t.Errorf("history lacks %s: %s", want, r.Body)
				}
			}
		}},
	{name: "merge with itself", as: "admin", method: post, path: "/api/v1/contacts/{c1}/merge", body: `{"contact_id":{c1}}`, status: 422},

	{name: "delete with a stale version", as: "admin", method: del, path: "/api/v1/contacts/{b1}", headers: []string{"If-Match", `"9"`}, status: 412},
	{name: "delete", as: "admin", method: del, path: "/api/v1/contacts/{b1}", status: 204},
	{name: "deleted is readable, with deleted_at", as: "admin", method: get, path: "/api/v1/contacts/{b1}", status: 200,
		check: func(t *testing.T, _ *world, r *testenv.Response) {
			if _, ok := r.Map(t)["deleted_at"]; !ok {
				t.Errorf("no deleted_at: %s", r.Body)
			}
		}},
	{name: "trash", as: "admin", method: get, path: "/api/v1/contacts?deleted=only", status: 200, want: map[string]any{"items.#": 1, "items.0.id": "{b1}"}},
	{name: "deleted cannot be changed", as: "admin", method: patch, path: "/api/v1/contacts/{b1}", body: `{"given_name":"x"}`, status: 409,
		want: map[string]any{"code": "record_deleted"}},
	{name: "restore", as: "admin", method: post, path: "/api/v1/contacts/{b1}/restore", status: 200},
	{name: "restore again", as: "admin", method: post, path: "/api/v1/contacts/{b1}/restore", status: 409, want: map[string]any{"code": "not_deleted"}},
	{name: "merged cannot be restored", as: "admin", method: post, path: "/api/v1/contacts/{c1dup}/restore", status: 409, want: map[string]any{"code": "record_merged"}},
	{name: "agents cannot purge", as: "agent", method: post, path: "/api/v1/contacts/{b1}/purge", body: `{"reason":"GDPR-1"}`, status: 403},
	{name: "purge", as: "admin", method: post, path: "/api/v1/contacts/{b1}/purge", body: `{"reason":"erasure request 2026-17"}`, status: 204},
	{name: "purged is gone", as: "admin", method: get, path: "/api/v1/contacts/{b1}", status: 404},
	{name: "the purge is in the audit log, without the data", as: "admin", method: get, path: "/api/v1/audit?record_type=contact&record_id={b1}", status: 200,
		want: map[string]any{"items.0.action": "purge", "items.0.changes.0.field": "reason", "items.1.action": "restore", "items.#": 4, "items.3.action": "create", "items.3.changes.#": 0}},

	{name: "idempotent create", as: "admin", method: post, path: "/api/v1/contacts", headers: []string{"Idempotency-Key", "k-1"},
		body: `{"display_name":"Idem Potent"}`, status: 201, save: map[string]string{"idem": "id"}},
	{name: "the retry replays the first answer", as: "admin", method: post, path: "/api/v1/contacts", headers: []string{"Idempotency-Key", "k-1"},
		body: `{"display_name":"Idem Potent"}`, status: 201, want: map[string]any{"id": "{idem}"}, header: map[string]string{"Idempotent-Replayed": "true", "Location": "/api/v1/contacts/{idem}"}},
	{name: "only one was created", as: "admin", method: get, path: "/api/v1/contacts?q=potent", status: 200, want: map[string]any{"items.#": 1}},
	{name: "the key with another body is refused", as: "admin", method: post, path: "/api/v1/contacts", headers: []string{"Idempotency-Key", "k-1"},
		body: `{"display_name":"Someone Else"}`, status: 422, want: map[string]any{"code": "idempotency_key_reused"}},
	{name: "keys are per user", as: "agent", method: post, path: "/api/v1/contacts", headers: []string{"Idempotency-Key", "k-1"},
		body: `{"display_name":"Agent's own"}`, status: 201},
	{name: "erase the idempotently created contact", as: "admin", method: post, path: "/api/v1/contacts/{idem}/purge",
		body: `{"reason":"asked to be forgotten"}`, status: 204},
	{name: "its stored reply is forgotten: a retry runs again", as: "admin", method: post, path: "/api/v1/contacts", headers: []string{"Idempotency-Key", "k-1"},
		body: `{"display_name":"Idem Potent"}`, status: 201, want: map[string]any{"id": "~^[0-9]+$"}, header: map[string]string{"Idempotent-Replayed": ""},
		check: func(t *testing.T, w *world, r *testenv.Response) {
			if strings.Contains(string(r.Body), `"id":`+w.ids["idem"]+`,`) {
				t.Errorf("the retry replayed the purged contact: %s", r.Body)
			}
		}},
}

func itoa(n int64) string {
	return strings.TrimSpace(strings.Replace(jsonBody(n), `"`, "", -1))
}
