package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// The pipelines tab: a new pipeline with its open stages (rows of a name
// and a win probability) and its won and lost stages; a pipeline's page
// renames it and adds, renames, reorders and deletes its stages. Every
// change passes the pipeline's version, so that two admins editing at once
// do not undo each other's work unknowingly.

// newStageRows is how many open stages the new-pipeline form offers.
const newStageRows = 6

var (
	stageInputs    = inputSet("name", "probability")
	newStageInputs = inputSet("name", "probability", "position")
)

// StageRows numbers the rows of the new-pipeline form.
func (s *adminScreen) StageRows() []int {
	out := make([]int, newStageRows)
	for i := range out {
		out[i] = i
	}
	return out
}

// RowName names an input of a row of the new-pipeline form.
func (s *adminScreen) RowName(i int, field string) string {
	return "stages[" + strconv.Itoa(i) + "]." + field
}

// OpenStages counts the open stages of the pipeline shown.
func (s *adminScreen) OpenStages() int {
	n := 0
	if s.Pipeline != nil {
		for _, st := range s.Pipeline.Stages {
			if st.Kind == sales.KindOpen {
				n++
			}
		}
	}
	return n
}

// readProbability reads a percentage as written; a word or a fraction is
// a field error, never a 500.
func readProbability(v *crm.Violations, field, text string) (int, bool) {
	text = strings.TrimSuffix(strings.TrimSpace(text), "%")
	if text == "" {
		v.Add(field, "required")
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		v.Add(field, "admin.whole_percent")
		return 0, false
	}
	return n, true
}

func (h *Web) loadPipelines(r *http.Request, s *adminScreen) error {
	ps, err := h.deps.Sales.ListPipelines(r.Context())
	if err != nil {
		return err
	}
	s.Pipelines = ps
	return nil
}

func (h *Web) adminPipelinesPage(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdminUI(r, "web.adminPipelines"); err != nil {
		return err
	}
	s := h.adminScreenFor(r, "pipelines")
	if err := h.loadPipelines(r, s); err != nil {
		return err
	}
	h.blankPipelineForm(s)
	h.render(w, r, http.StatusOK, "admin", "page", s)
	return nil
}

// blankPipelineForm names the won and lost stages in the user's language.
func (h *Web) blankPipelineForm(s *adminScreen) {
	f := s.F("new-pipeline")
	f.values.Set("won_name", i18n.Message(s.Lang, "admin.won_default", nil))
	f.values.Set("lost_name", i18n.Message(s.Lang, "admin.lost_default", nil))
}

// adminCreatePipeline makes a pipeline of the rows written: blank rows are
// skipped, the won and lost stages come last.
func (h *Web) adminCreatePipeline(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminCreatePipeline"); err != nil {
		return err
	}
	f := r.PostForm
	in := sales.PipelineInput{Name: f.Get("name")}
	inputs := inputSet("name", "won_name", "lost_name")
	rename := map[string]string{"stages": ""}
	var v crm.Violations
	for i := range newStageRows {
		name, prob := f.Get("stages["+strconv.Itoa(i)+"].name"), f.Get("stages["+strconv.Itoa(i)+"].probability")
		row := "stages[" + strconv.Itoa(i) + "]."
		inputs[row+"name"], inputs[row+"probability"] = true, true
		if strings.TrimSpace(name) == "" && strings.TrimSpace(prob) == "" {
			continue
		}
		at := "stages[" + strconv.Itoa(len(in.Stages)) + "]."
		rename[at+"name"], rename[at+"probability"] = row+"name", row+"probability"
		st := sales.StageInput{Name: name}
		if n, ok := readProbability(&v, at+"probability", prob); ok { // named as the service would, renamed alike
			st.Probability = &n
		}
		in.Stages = append(in.Stages, st)
	}
	won, lost := strconv.Itoa(len(in.Stages)), strconv.Itoa(len(in.Stages)+1)
	rename["stages["+won+"].name"], rename["stages["+lost+"].name"] = "won_name", "lost_name"
	in.Stages = append(in.Stages, sales.StageInput{Name: f.Get("won_name"), Kind: sales.KindWon},
		sales.StageInput{Name: f.Get("lost_name"), Kind: sales.KindLost})
	err := v.Err("web.adminCreatePipeline")
	var pl *sales.Pipeline
	if err == nil {
		pl, err = h.deps.Sales.CreatePipeline(r.Context(), in)
	}
	if err != nil {
		s := h.adminScreenFor(r, "pipelines")
		if lerr := h.loadPipelines(r, s); lerr != nil {
			return lerr
		}
		return h.refused(w, r, s, "new-pipeline", err, inputs, rename)
	}
	seeOther(w, r, "/admin/pipelines/"+strconv.FormatInt(pl.ID, 10)+"?done=pipeline_created#admin-message")
	return nil
}

// pipelineScreen reads a pipeline's page with its forms filled in.
func (h *Web) pipelineScreen(r *http.Request, id int64) (*adminScreen, error) {
	pl, err := h.deps.Sales.GetPipeline(r.Context(), id)
	if err != nil {
		return nil, err
	}
	s := h.adminScreenFor(r, "pipelines")
	s.TitleKey = "admin.pipeline_title"
	s.Pipeline = pl
	s.F("pipeline").values.Set("name", pl.Name)
	for _, st := range pl.Stages {
		f := s.F(s.Key("stage", st.ID))
		f.values.Set("name", st.Name)
		f.values.Set("probability", strconv.Itoa(st.Probability))
	}
	return s, nil
}

func (h *Web) adminPipelinePage(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdminUI(r, "web.adminPipeline"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s, err := h.pipelineScreen(r, id)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "admin", "page", s)
	return nil
}

// pipelineRefused shows the pipeline's page again with a refused form.
func (h *Web) pipelineRefused(w http.ResponseWriter, r *http.Request, id int64, key string, err error, inputs map[string]bool) error {
	s, lerr := h.pipelineScreen(r, id)
	if lerr != nil {
		return lerr
	}
	return h.refused(w, r, s, key, err, inputs, stageRename)
}

// stageRename shows what the service says of the one stage a form changes
// (stages[3].probability) beside that form's input, and what it says of
// the whole list above the form.
var stageRename = map[string]string{"stages[].name": "name", "stages[].probability": "probability", "stages": "", "stage_ids": ""}

func pipelineDone(id int64, done string) string {
	return "/admin/pipelines/" + strconv.FormatInt(id, 10) + "?done=" + done
}

func (h *Web) adminRenamePipeline(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminRenamePipeline"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	_, err = h.deps.Sales.UpdatePipeline(r.Context(), id, formVersion(r), func(f *sales.PipelineFields) error {
		f.Name = r.PostForm.Get("name")
		return nil
	})
	if err != nil {
		return h.pipelineRefused(w, r, id, "pipeline", err, inputSet("name"))
	}
	seeOther(w, r, pipelineDone(id, "pipeline_saved")+"#admin-message")
	return nil
}

func (h *Web) adminDeletePipeline(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminDeletePipeline"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.deps.Sales.DeletePipeline(r.Context(), id, formVersion(r)); err != nil {
		return h.pipelineRefused(w, r, id, "delete-pipeline", err, nil)
	}
	seeOther(w, r, "/admin/pipelines?done=pipeline_deleted#admin-message")
	return nil
}

func (h *Web) adminAddStage(w http.ResponseWriter, r *http.Request) error {
	if err := adminPost(w, r, "web.adminAddStage"); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var v crm.Violations
	prob, _ := readProbability(&v, "probability", r.PostForm.Get("probability"))
	position, _ := strconv.Atoi(r.PostForm.Get("position"))
	err = v.Err("web.adminAddStage")
	if err == nil {
		_, err = h.deps.Sales.AddStage(r.Context(), id, formVersion(r), sales.NewStage{Name: r.PostForm.Get("name"), Probability: prob, Position: position})
	}
	if err != nil {
		return h.pipelineRefused(w, r, id, "new-stage", err, newStageInputs)
	}
	seeOther(w, r, pipelineDone(id, "stage_added")+"#admin-message")
	return nil
}

// stagePost checks a post about a pipeline's stage: an admin's, naming
// both.
func stagePost(w http.ResponseWriter, r *http.Request, op string) (pipelineID, stageID int64, err error) {
	if err := adminPost(w, r, op); err != nil {
		return 0, 0, err
	}
	if pipelineID, err = pathID(r); err != nil {
		return 0, 0, err
	}
	stageID, err = pathInt(r, "stage")
	return pipelineID, stageID, err
}

func (h *Web) adminUpdateStage(w http.ResponseWriter, r *http.Request) error {
	id, stageID, err := stagePost(w, r, "web.adminUpdateStage")
	if err != nil {
		return err
	}
	var v crm.Violations
	prob, ok := 0, true
	if _, given := r.PostForm["probability"]; given { // the won and lost stages' is fixed, not in the form
		prob, ok = readProbability(&v, "probability", r.PostForm.Get("probability"))
	}
	err = v.Err("web.adminUpdateStage")
	if err == nil {
		_, err = h.deps.Sales.UpdateStage(r.Context(), id, stageID, formVersion(r), func(f *sales.StageFields) error {
			f.Name = r.PostForm.Get("name")
			if _, given := r.PostForm["probability"]; given && ok {
				f.Probability = prob
			}
			return nil
		})
	}
	if err != nil {
		return h.pipelineRefused(w, r, id, "stage-"+strconv.FormatInt(stageID, 10), err, stageInputs)
	}
	seeOther(w, r, pipelineDone(id, "stage_saved")+"#admin-message")
	return nil
}

// adminMoveStage moves an open stage up or down among the open stages; the
// won and lost stages stay last.
func (h *Web) adminMoveStage(w http.ResponseWriter, r *http.Request) error {
	id, stageID, err := stagePost(w, r, "web.adminMoveStage")
	if err != nil {
		return err
	}
	pl, err := h.deps.Sales.GetPipeline(r.Context(), id)
	if err != nil {
		return err
	}
	order := make([]int64, len(pl.Stages))
	at := -1
	for i, st := range pl.Stages {
		order[i] = st.ID
		if st.ID == stageID {
			at = i
		}
	}
	if at < 0 {
		return crm.NotFound("web.adminMoveStage", "stage", stageID)
	}
	to := at - 1
	if r.PostForm.Get("dir") == "down" {
		to = at + 1
	}
	if to >= 0 && to < len(order) {
		order[at], order[to] = order[to], order[at]
	}
	if _, err := h.deps.Sales.ReorderStages(r.Context(), id, formVersion(r), order); err != nil {
		return h.pipelineRefused(w, r, id, "stage-"+strconv.FormatInt(stageID, 10), err, nil)
	}
	seeOther(w, r, pipelineDone(id, "stage_moved")+"#stage-"+strconv.FormatInt(stageID, 10))
	return nil
}

func (h *Web) adminDeleteStage(w http.ResponseWriter, r *http.Request) error {
	id, stageID, err := stagePost(w, r, "web.adminDeleteStage")
	if err != nil {
		return err
	}
	if err := h.deps.Sales.DeleteStage(r.Context(), id, stageID, formVersion(r)); err != nil {
		return h.pipelineRefused(w, r, id, "stage-"+strconv.FormatInt(stageID, 10), err, nil)
	}
	seeOther(w, r, pipelineDone(id, "stage_deleted")+"#admin-message")
	return nil
}

// StageCount counts a pipeline's stages.
func (s *adminScreen) StageCount(p *sales.Pipeline) int64 { return int64(len(p.Stages)) }
