package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// EventOutput is a stored event.
type EventOutput struct {
	Status   int
	Location string `header:"Location"`
	Body     *touchpoint.Event
}

func (a *API) createEvent(ctx context.Context, in *struct {
	Body touchpoint.EventInput
}) (*EventOutput, error) {
	e, duplicate, err := a.deps.Touchpoints.Record(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	status := http.StatusCreated
	if duplicate {
		status = http.StatusOK // stored before, under the same client_event_id
	}
	return &EventOutput{Status: status, Location: Prefix + "/events/" + strconv.FormatInt(e.ID, 10), Body: e}, nil
}

func (a *API) getEvent(ctx context.Context, in *IDPath) (*EventOutput, error) {
	e, err := a.deps.Touchpoints.GetEvent(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &EventOutput{Status: http.StatusOK, Body: e}, nil
}

// EventLineResult is the answer to one line of an NDJSON batch.
type EventLineResult struct {
	Line      int            `json:"line" doc:"Line number in the request, from 1"`
	Status    int            `json:"status" doc:"201 stored, 200 already stored (same client_event_id), else the status of its problem"`
	ID        int64          `json:"id,omitempty"`
	ContactID *int64         `json:"contact_id,omitempty"`
	Duplicate bool           `json:"duplicate,omitempty"`
	Error     *httpx.Problem `json:"error,omitempty"`
}

// EventBatchOutput answers an NDJSON batch line by line.
type EventBatchOutput struct {
	Body struct {
		Stored     int               `json:"stored"`
		Duplicates int               `json:"duplicates"`
		Failed     int               `json:"failed"`
		Results    []EventLineResult `json:"results" nullable:"false"`
	}
}

type eventBatchInput struct {
	RawBody []byte
}

// createEvents stores an NDJSON batch: one event per line, blank lines
// skipped. A line that is not an event is answered with its problem and
// the others are stored.
func (a *API) createEvents(ctx context.Context, in *eventBatchInput) (*EventBatchOutput, error) {
	var inputs []touchpoint.EventInput
	var lines []int
	var lineErrs []error
	sc := bufio.NewScanner(bytes.NewReader(in.RawBody))
	sc.Buffer(make([]byte, 0, 64<<10), touchpoint.MaxPropertiesBytes+64<<10)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if len(inputs) == touchpoint.MaxBatch {
			return nil, crm.E("api.createEvents", crm.KindTooLarge, "batch_too_large").With("max", touchpoint.MaxBatch)
		}
		var ev touchpoint.EventInput
		var value any
		err := json.Unmarshal(line, &value)
		if err != nil {
			err = malformed(err)
		} else {
			err = a.validateAs(ctx, value, line, reflect.TypeFor[touchpoint.EventInput](), &ev, "")
		}
		inputs, lines, lineErrs = append(inputs, ev), append(lines, n), append(lineErrs, err)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, crm.E("api.createEvents", crm.KindTooLarge, "line_too_long").With("line", n+1)
		}
		return nil, malformed(err)
	}
	if len(inputs) == 0 {
		var v crm.Violations
		v.Add("body", "required")
		return nil, v.Err("api.createEvents")
	}
	// Lines that failed the schema reach the service as empty events, which
	// it rejects, so both lists keep the same numbering.
	results, err := a.deps.Touchpoints.RecordBatch(ctx, inputs)
	if err != nil {
		return nil, err
	}
	out := &EventBatchOutput{}
	out.Body.Results = make([]EventLineResult, len(inputs))
	for i, r := range results {
		res := EventLineResult{Line: lines[i], Status: http.StatusCreated, ID: r.ID, ContactID: r.ContactID, Duplicate: r.Duplicate}
		err := lineErrs[i]
		if err == nil {
			err = r.Err
		}
		switch {
		case err != nil:
			p := httpx.ProblemFor(ctx, err)
			res = EventLineResult{Line: lines[i], Status: p.Status, Error: p}
			out.Body.Failed++
		case r.Duplicate:
			res.Status = http.StatusOK
			out.Body.Duplicates++
		default:
			out.Body.Stored++
		}
		out.Body.Results[i] = res
	}
	return out, nil
}

// TimelineParams select a timeline.
type TimelineParams struct {
	PageParams
	Kind    []string `query:"kind" doc:"event, order, change; repeat or comma-separate for several"`
	Type    []string `query:"type" doc:"Event type (page_view, call …), order kind (sale, return) or change action"`
	Channel []string `query:"channel" doc:"web, store, line …"`
}

func (p TimelineParams) domain() touchpoint.TimelineParams {
	channels := make([]touchpoint.Channel, len(p.Channel))
	for i, c := range p.Channel {
		channels[i] = touchpoint.Channel(c)
	}
	return touchpoint.TimelineParams{Kinds: p.Kind, Types: p.Type, Channels: channels, Cursor: p.Cursor, Limit: p.Limit}
}

type timelineInput struct {
	IDPath
	TimelineParams
}

func (a *API) contactTimeline(ctx context.Context, in *timelineInput) (*ListOutput[touchpoint.TimelineItem], error) {
	page, err := a.deps.Touchpoints.ContactTimeline(ctx, in.ID, in.domain())
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) companyTimeline(ctx context.Context, in *timelineInput) (*ListOutput[touchpoint.TimelineItem], error) {
	page, err := a.deps.Touchpoints.CompanyTimeline(ctx, in.ID, in.domain())
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

// PeriodParams bound a report.
type PeriodParams struct {
	From time.Time `query:"from" doc:"Start of the period (RFC 3339); default 30 days before to"`
	To   time.Time `query:"to" doc:"End of the period, excluded; default now"`
}

type listEventsInput struct {
	PageParams
	ContactID int64 `query:"contact_id" minimum:"0" doc:"Events of one contact (any role that may read it); without it, every event (admins and viewers)"`
}

func (a *API) listEvents(ctx context.Context, in *listEventsInput) (*ListOutput[*touchpoint.Event], error) {
	q := touchpoint.EventQuery{Cursor: in.Cursor, Limit: in.Limit}
	if in.ContactID != 0 {
		q.ContactID = &in.ContactID
	}
	page, err := a.deps.Touchpoints.ListEvents(ctx, q)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}
