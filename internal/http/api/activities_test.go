package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestActivityScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, activityScenarios(time.Now().UTC()))
			t.Run("reminders come through the job system", func(t *testing.T) { testReminderArrives(t, w) })
		})
	}
}

// activityScenarios are the rules of activities, with times around now.
func activityScenarios(now time.Time) []scenario {
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	midday := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, time.UTC).Format(time.RFC3339)
	mergePatch := []string{"Content-Type", "application/merge-patch+json"}
	return []scenario{
		{name: "the agent's customer", as: "agent", method: post, path: "/api/v1/contacts", body: `{"display_name":"陳經理"}`,
			status: 201, save: map[string]string{"c": "id"}},
		{name: "a task", as: "agent", method: post, path: "/api/v1/activities",
			body:   fmt.Sprintf(`{"type":"task","record_type":"contact","record_id":{c},"subject":"Send the offer","due_at":%q}`, at(-48*time.Hour)),
			status: 201, header: map[string]string{"ETag": `"1"`, "Location": "~^/api/v1/activities/[0-9]+$"},
			want: map[string]any{"assignee_id": "{agent_id}", "owner_id": "{agent_id}", "team_id": "{team}", "completed": false, "version": 1, "mentioned_user_ids.#": 0},
			save: map[string]string{"overdue": "id"}},
		{name: "a call due today", as: "agent", method: post, path: "/api/v1/activities",
			body:   fmt.Sprintf(`{"type":"call","record_type":"contact","record_id":{c},"subject":"Call about the offer","due_at":%q}`, midday),
			status: 201, save: map[string]string{"today": "id"}},
		{name: "a meeting next week", as: "agent", method: post, path: "/api/v1/activities",
			body:   fmt.Sprintf(`{"type":"meeting","record_type":"contact","record_id":{c},"subject":"Visit","due_at":%q}`, at(7*24*time.Hour)),
			status: 201, save: map[string]string{"visit": "id"}},
		{name: "a call logged as done", as: "agent", method: post, path: "/api/v1/activities",
			body:   `{"type":"call","record_type":"contact","record_id":{c},"subject":"Called","outcome":"no_answer","completed":true}`,
			status: 201, want: map[string]any{"completed": true, "completed_by": "{agent_id}", "completed_at": "~^20", "outcome": "no_answer"}},

		// Rules of input.
		{name: "a note is due never", as: "agent", method: post, path: "/api/v1/activities",
			body:   fmt.Sprintf(`{"type":"note","record_type":"contact","record_id":{c},"body":"x","due_at":%q}`, at(time.Hour)),
			status: 422, want: map[string]any{"errors.0.field": "due_at", "errors.0.code": "not_for_type", "errors.0.message": "A note does not take this field."}},
		{name: "in Chinese too", as: "agent", method: post, path: "/api/v1/activities", headers: []string{"Accept-Language", "zh-TW"},
			body:   `{"type":"task","record_type":"contact","record_id":{c}}`,
			status: 422, want: map[string]any{"errors.0.field": "subject", "errors.0.message": "此欄位為必填。"}},
		{name: "an unknown record", as: "agent", method: post, path: "/api/v1/activities",
			body:   `{"type":"task","record_type":"deal","record_id":999999,"subject":"x"}`,
			status: 422, want: map[string]any{"errors.0.field": "record_id", "errors.0.code": "unknown_record"}},
		{name: "an unknown type", as: "agent", method: post, path: "/api/v1/activities",
			body: `{"type":"email","record_type":"contact","record_id":{c},"subject":"x"}`, status: 422},
		{name: "an assignee who may not read the record", as: "agent", method: post, path: "/api/v1/activities",
			body:   `{"type":"task","record_type":"contact","record_id":{c},"subject":"x","assignee_id":{agent2_id}}`,
			status: 422, want: map[string]any{"errors.0.field": "assignee_id", "errors.0.code": "assignee_cannot_read"}},

		// Permissions: those who may read the record see its activities.
		{name: "another agent does not see them", as: "agent2", method: get, path: "/api/v1/activities?record_type=contact&record_id={c}", status: 403},
		{name: "nor one of them", as: "agent2", method: get, path: "/api/v1/activities/{overdue}", status: 403},
		{name: "nor adds one", as: "agent2", method: post, path: "/api/v1/activities",
			body: `{"type":"note","record_type":"contact","record_id":{c},"body":"mine"}`, status: 403},
		{name: "nor changes one", as: "agent2", method: patch, path: "/api/v1/activities/{overdue}", body: `{"subject":"x"}`, headers: mergePatch, status: 403},
		{name: "the viewer reads", as: "viewer", method: get, path: "/api/v1/activities?record_type=contact&record_id={c}", status: 200,
			want: map[string]any{"items.#": 4, "items.0.subject": "Called", "items.3.subject": "Send the offer"}},
		{name: "but adds nothing", as: "viewer", method: post, path: "/api/v1/activities",
			body: `{"type":"note","record_type":"contact","record_id":{c},"body":"x"}`, status: 403},
		{name: "the team's manager reads", as: "manager", method: get, path: "/api/v1/activities?record_type=contact&record_id={c}&type=call&limit=1", status: 200,
			want: map[string]any{"items.#": 1, "items.0.type": "call", "next_url": "~cursor="}},
		{name: "a record that does not exist", as: "admin", method: get, path: "/api/v1/activities?record_type=deal&record_id=999999", status: 404},

		// Changing and completing.
		{name: "a stale change", as: "agent", method: patch, path: "/api/v1/activities/{today}", body: `{"subject":"Call back"}`,
			headers: append([]string{"If-Match", `"7"`}, mergePatch...), status: 412},
		{name: "a change", as: "agent", method: patch, path: "/api/v1/activities/{today}", body: `{"subject":"Call back","outcome":"connected"}`,
			headers: append([]string{"If-Match", `"1"`}, mergePatch...), status: 200,
			header: map[string]string{"ETag": `"2"`}, want: map[string]any{"subject": "Call back", "outcome": "connected", "due_at": "~^20"}},
		{name: "the type stays", as: "agent", method: patch, path: "/api/v1/activities/{today}", body: `{"type":"note"}`, headers: mergePatch, status: 422},

		// The lists a rep works from.
		{name: "my tasks", as: "agent", method: get, path: "/api/v1/activities/mine", status: 200,
			want: map[string]any{"items.#": 3, "items.0.subject": "Send the offer", "items.2.subject": "Visit"}},
		{name: "due today", as: "agent", method: get, path: "/api/v1/activities/mine?due=today", status: 200,
			want: map[string]any{"items.#": 1, "items.0.subject": "Call back"}},
		{name: "overdue", as: "agent", method: get, path: "/api/v1/activities/mine?due=overdue&type=task", status: 200,
			want: map[string]any{"items.#": 1, "items.0.subject": "Send the offer"}},
		{name: "a time zone that is none", as: "agent", method: get, path: "/api/v1/activities/mine?due=today&tz=Mars/Olympus", status: 422},
		{name: "the manager reads the agent's overdue list", as: "manager", method: get, path: "/api/v1/activities/overdue?user_id={agent_id}", status: 200,
			want: map[string]any{"items.0.subject": "Send the offer"}},
		{name: "another agent does not", as: "agent2", method: get, path: "/api/v1/activities/overdue?user_id={agent_id}", status: 403},
		{name: "their own is empty", as: "agent2", method: get, path: "/api/v1/activities/overdue", status: 200, want: map[string]any{"items.#": 0}},
		{name: "complete", as: "agent", method: patch, path: "/api/v1/activities/{overdue}", body: `{"completed":true}`, headers: mergePatch, status: 200,
			want: map[string]any{"completed": true, "completed_by": "{agent_id}", "completed_at": "~^20"}},
		{name: "and it is off the list", as: "agent", method: get, path: "/api/v1/activities/mine?due=overdue", status: 200,
			want: map[string]any{"items.#": "~^[01]$"}},

		// Deals without a next step.
		{name: "a pipeline", as: "admin", method: post, path: "/api/v1/pipelines", body: `{"name":"B2B"}`, status: 201},
		{name: "a deal with a next step", as: "agent", method: post, path: "/api/v1/deals", body: `{"name":"planned"}`, status: 201, save: map[string]string{"d1": "id"}},
		{name: "its next step", as: "agent", method: post, path: "/api/v1/activities",
			body: fmt.Sprintf(`{"type":"meeting","record_type":"deal","record_id":{d1},"subject":"Demo","due_at":%q}`, at(72*time.Hour)), status: 201},
		{name: "a deal without", as: "agent", method: post, path: "/api/v1/deals", body: `{"name":"forgotten"}`, status: 201, save: map[string]string{"d2": "id"}},
		{name: "a note is no next step", as: "agent", method: post, path: "/api/v1/activities",
			body: `{"type":"note","record_type":"deal","record_id":{d2},"body":"They liked it."}`, status: 201},
		{name: "the deals without a next step", as: "agent", method: get, path: "/api/v1/activities/no-next-step", status: 200,
			want: map[string]any{"items.#": 1, "items.0.id": "{d2}", "items.0.name": "forgotten", "items.0.last_activity_at": "~^20"}},
		{name: "a manager asks for the agent's", as: "manager", method: get, path: "/api/v1/activities/no-next-step?user_id={agent_id}", status: 200,
			want: map[string]any{"items.#": 1}},
		{name: "another agent may not", as: "agent2", method: get, path: "/api/v1/activities/no-next-step?user_id={agent_id}", status: 403},

		// Mentions and assignments notify, in the app.
		{name: "a note with mentions", as: "agent", method: post, path: "/api/v1/activities",
			body:   `{"type":"note","record_type":"deal","record_id":{d2},"body":"@manager please call them; @agent2 cannot see this; @nobody is no one"}`,
			status: 201, want: map[string]any{"mentioned_user_ids.#": 1, "mentioned_user_ids.0": "{manager_id}"}, save: map[string]string{"note": "id"}},
		{name: "a task for the manager", as: "agent", method: post, path: "/api/v1/activities",
			body:   fmt.Sprintf(`{"type":"task","record_type":"deal","record_id":{d2},"subject":"Approve the discount","assignee_id":{manager_id},"due_at":%q}`, at(24*time.Hour)),
			status: 201},
		{name: "the manager is told", as: "manager", method: get, path: "/api/v1/notifications", status: 200,
			want: map[string]any{"items.#": 2, "total.value": 2, "items.0.kind": "activity.assigned", "items.0.text": "agent gave you: Approve the discount",
				"items.1.kind": "activity.mention", "items.1.text": "agent mentioned you on forgotten", "items.1.link": "/deals/{d2}", "items.1.activity_id": "{note}"},
			save: map[string]string{"n1": "items.1.id"}},
		{name: "the one who may not see the deal is not", as: "agent2", method: get, path: "/api/v1/notifications", status: 200,
			want: map[string]any{"items.#": 0, "total.value": 0}},
		{name: "nor may they mark another's read", as: "agent2", method: post, path: "/api/v1/notifications/{n1}/read", status: 404},
		{name: "read one", as: "manager", method: post, path: "/api/v1/notifications/{n1}/read", status: 200,
			want: map[string]any{"id": "{n1}", "read_at": "~^20"}},
		{name: "one unread left", as: "manager", method: get, path: "/api/v1/notifications?unread=true", status: 200,
			want: map[string]any{"items.#": 1, "total.value": 1, "items.0.kind": "activity.assigned"}},
		{name: "read them all", as: "manager", method: post, path: "/api/v1/notifications/read-all", status: 200, want: map[string]any{"marked": 1}},
		{name: "none unread", as: "manager", method: get, path: "/api/v1/notifications?unread=true", status: 200, want: map[string]any{"total.value": 0}},

		// Deleting.
		{name: "delete", as: "agent", method: del, path: "/api/v1/activities/{note}", status: 204},
		{name: "gone", as: "agent", method: get, path: "/api/v1/activities/{note}", status: 404},
		{name: "with its notification", as: "manager", method: get, path: "/api/v1/notifications", status: 200, want: map[string]any{"items.#": 1}},
	}
}

// testReminderArrives sets reminders a second ahead and waits for the job
// runner to deliver them: the one kept arrives once, the moved one not at
// its old time.
func testReminderArrives(t *testing.T, w *world) {
	soon := time.Now().UTC().Add(time.Second).Format(time.RFC3339Nano)
	r := w.Do(t, w.tokens["agent"], post, "/api/v1/activities",
		fmt.Sprintf(`{"type":"task","record_type":"contact","record_id":%s,"subject":"Remind me","remind_at":%q}`, w.ids["c"], soon))
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	moved := w.Do(t, w.tokens["agent"], post, "/api/v1/activities",
		fmt.Sprintf(`{"type":"task","record_type":"contact","record_id":%s,"subject":"Not now","remind_at":%q}`, w.ids["c"], soon))
	if moved.Status != 201 {
		t.Fatalf("create: %d %s", moved.Status, moved.Body)
	}
	id := moved.Map(t)["id"]
	later := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	if r := w.Do(t, w.tokens["agent"], patch, fmt.Sprintf("/api/v1/activities/%v", id), fmt.Sprintf(`{"remind_at":%q}`, later),
		"Content-Type", "application/merge-patch+json"); r.Status != 200 {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	var reminders []string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var list struct {
			Items []struct{ Kind, Text string }
		}
		w.Do(t, w.tokens["agent"], get, "/api/v1/notifications", nil).JSON(t, &list)
		reminders = reminders[:0]
		for _, n := range list.Items {
			if n.Kind == "activity.reminder" {
				reminders = append(reminders, n.Text)
			}
		}
		if len(reminders) > 0 {
			break
		}
	}
	// Give a duplicate or the moved reminder the time to show up.
	time.Sleep(2 * time.Second)
	var list struct {
		Items []struct{ Kind, Text string }
	}
	w.Do(t, w.tokens["agent"], get, "/api/v1/notifications", nil).JSON(t, &list)
	reminders = reminders[:0]
	for _, n := range list.Items {
		if n.Kind == "activity.reminder" {
			reminders = append(reminders, n.Text)
		}
	}
	if strings.Join(reminders, "|") != "Reminder: Remind me" {
		t.Errorf("reminders %q; want one of Remind me", reminders)
	}
}
