package api

import (
	"context"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

// ActivityOutput is an activity with its ETag.
type ActivityOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *activity.Activity
}

func activityOutput(a *activity.Activity) *ActivityOutput {
	return &ActivityOutput{ETag: etag(a.Version), Body: a}
}

func (a *API) createActivity(ctx context.Context, in *struct{ Body activity.Input }) (*ActivityOutput, error) {
	act, err := a.deps.Activities.Create(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	out := activityOutput(act)
	out.Location = Prefix + "/activities/" + strconv.FormatInt(act.ID, 10)
	return out, nil
}

func (a *API) getActivity(ctx context.Context, in *IDPath) (*ActivityOutput, error) {
	act, err := a.deps.Activities.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return activityOutput(act), nil
}

type updateActivityInput struct {
	IDPath
	IfMatch
	Patch[activity.Fields]
}

func (a *API) updateActivity(ctx context.Context, in *updateActivityInput) (*ActivityOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	act, err := a.deps.Activities.Update(ctx, in.ID, version, func(f *activity.Fields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return activityOutput(act), nil
}

func (a *API) deleteActivity(ctx context.Context, in *deleteInput) (*struct{}, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	return nil, a.deps.Activities.Delete(ctx, in.ID, version)
}

type listActivitiesInput struct {
	PageParams
	RecordType string `query:"record_type" required:"true" enum:"contact,company,deal,lead" doc:"The record whose activities to list"`
	RecordID   int64  `query:"record_id" required:"true" minimum:"1"`
	Type       string `query:"type" enum:"task,call,meeting,note," doc:"Only this type"`
}

func (a *API) listActivities(ctx context.Context, in *listActivitiesInput) (*ListOutput[*activity.Activity], error) {
	page, err := a.deps.Activities.ListFor(ctx, in.RecordType, in.RecordID, in.Type, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

type myTasksInput struct {
	PageParams
	Due      string `query:"due" enum:"open,today,overdue" default:"open" doc:"open: every open one; today: due today (in tz), overdue or not; overdue: due before now"`
	TimeZone string `query:"tz" maxLength:"64" default:"UTC" doc:"IANA time zone of \"today\", e.g. Asia/Taipei"`
	Type     string `query:"type" enum:"task,call,meeting," doc:"Only this type"`
}

func (a *API) myTasks(ctx context.Context, in *myTasksInput) (*ListOutput[*activity.Activity], error) {
	loc, err := time.LoadLocation(in.TimeZone)
	if err != nil {
		var v crm.Violations
		v.Add("tz", "invalid", "value", in.TimeZone)
		return nil, v.Err("api.myTasks")
	}
	page, err := a.deps.Activities.Tasks(ctx, activity.TaskFilter{Due: in.Due, Location: loc, Type: in.Type, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

// RepParams name the rep whose list to show.
type RepParams struct {
	PageParams
	UserID int64 `query:"user_id" minimum:"0" doc:"The rep (default: you). Managers see their teams' reps; admins and viewers anyone's"`
}

func (a *API) overdueActivities(ctx context.Context, in *RepParams) (*ListOutput[*activity.Activity], error) {
	page, err := a.deps.Activities.Tasks(ctx, activity.TaskFilter{AssigneeID: in.UserID, Due: activity.DueOverdue, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) dealsWithoutNextStep(ctx context.Context, in *RepParams) (*ListOutput[*activity.DealRef], error) {
	page, err := a.deps.Activities.WithoutNextStep(ctx, in.UserID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}
