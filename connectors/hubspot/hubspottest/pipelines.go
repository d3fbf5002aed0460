package hubspottest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// pipeline is a pipeline with its stages, as the pipelines API answers it.
type pipeline struct {
	ID           string  `json:"id"`
	Label        string  `json:"label"`
	DisplayOrder int     `json:"displayOrder"`
	Stages       []stage `json:"stages"`
	Archived     bool    `json:"archived"`
	CreatedAt    string  `json:"createdAt"`
	UpdatedAt    string  `json:"updatedAt"`
}

type stage struct {
	ID           string            `json:"id"`
	Label        string            `json:"label"`
	DisplayOrder int               `json:"displayOrder"`
	Metadata     map[string]string `json:"metadata"`
	Archived     bool              `json:"archived"`
	CreatedAt    string            `json:"createdAt"`
	UpdatedAt    string            `json:"updatedAt"`
	// WritePermissions: the 2026-03 document requires it; default stages
	// follow the user's CRM permissions.
	WritePermissions string `json:"writePermissions"`
}

// pipelineProps names, per object type with pipelines, the properties that
// hold the pipeline and the stage.
var pipelineProps = map[string]struct{ pipeline, stage string }{
	"deals":  {"pipeline", "dealstage"},
	"orders": {"hs_pipeline", "hs_pipeline_stage"},
}

// defaultPipelines are the pipelines every account starts with; logically
// constant. The deal pipeline is HubSpot's "default" with its stage ids
// (DOC-deals) and metadata (DOC-pipelines); the order pipeline has the
// stages HubSpot creates, under ids of the fake's own (real accounts use
// generated ids: read them from the pipelines API).
func defaultPipelines(objectType string) []pipeline {
	// "The default pipelines will have createdAt = 0" (SPEC Pipeline).
	epoch := formatTime(time.UnixMilli(0))
	mk := func(id, label string, stages ...stage) pipeline {
		for i := range stages {
			stages[i].DisplayOrder, stages[i].CreatedAt, stages[i].UpdatedAt = i, epoch, epoch
			stages[i].WritePermissions = "CRM_PERMISSIONS_ENFORCEMENT"
		}
		return pipeline{ID: id, Label: label, Stages: stages, CreatedAt: epoch, UpdatedAt: epoch}
	}
	deal := func(id, label, probability string) stage {
		closed := probability == "0.0" || probability == "1.0"
		return stage{ID: id, Label: label, Metadata: map[string]string{"isClosed": fmt.Sprint(closed), "probability": probability}}
	}
	order := func(id, label, state string) stage {
		return stage{ID: id, Label: label, Metadata: map[string]string{"state": state}}
	}
	switch objectType {
	case "deals":
		return []pipeline{mk("default", "Sales Pipeline",
			deal("appointmentscheduled", "Appointment Scheduled", "0.2"),
			deal("qualifiedtobuy", "Qualified To Buy", "0.4"),
			deal("presentationscheduled", "Presentation Scheduled", "0.6"),
			deal("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
			deal("contractsent", "Contract Sent", "0.9"),
			deal("closedwon", "Closed Won", "1.0"),
			deal("closedlost", "Closed Lost", "0.0"))}
	case "orders":
		return []pipeline{mk("orders_default", "Orders Pipeline",
			order("checkout_abandoned", "Checkout Abandoned", "OPEN"),
			order("checkout_pending", "Checkout Pending", "OPEN"),
			order("checkout_completed", "Checkout Completed", "OPEN"),
			order("processed", "Processed", "OPEN"),
			order("shipped", "Shipped", "CLOSED"),
			order("cancelled", "Cancelled", "CLOSED"),
			order("refunded", "Refunded", "CLOSED"))}
	}
	return nil
}

// pipelineOptions are the options of a type's pipeline and stage
// properties: every pipeline, and every stage of every pipeline, as
// HubSpot lists them on the property definitions.
func pipelineOptions(objectType string) (pipelines, stages []Option) {
	for _, pl := range defaultPipelines(objectType) {
		pipelines = append(pipelines, Option{Label: pl.Label, Value: pl.ID, DisplayOrder: pl.DisplayOrder})
		for _, st := range pl.Stages {
			stages = append(stages, Option{Label: st.Label, Value: st.ID, DisplayOrder: len(stages)})
		}
	}
	return pipelines, stages
}

// checkStage checks that the stage a write leaves on a record belongs to
// the pipeline it leaves (the default pipeline when none is set): HubSpot
// answers an INVALID_OPTION naming the pipeline's stages otherwise. current
// is the stored record's values (nil on create).
func (s *Server) checkStage(t *objectType, current, props map[string]string) []propertyError {
	names, ok := pipelineProps[t.name]
	if !ok {
		return nil
	}
	value := func(name string) string {
		if v, set := props[name]; set {
			return v
		}
		return current[name]
	}
	stageID := value(names.stage)
	_, stageWritten := props[names.stage]
	_, pipelineWritten := props[names.pipeline]
	if stageID == "" || (!stageWritten && !pipelineWritten) {
		return nil
	}
	pipelines := s.pipelines[t.name]
	if len(pipelines) == 0 {
		return nil
	}
	pipelineID := value(names.pipeline)
	if pipelineID == "" {
		pipelineID = pipelines[0].ID
	}
	i := slices.IndexFunc(pipelines, func(pl pipeline) bool { return pl.ID == pipelineID })
	if i < 0 {
		return nil // an unknown pipeline id fails as an INVALID_OPTION of its own property
	}
	var allowed []string
	for _, st := range pipelines[i].Stages {
		if st.ID == stageID {
			return nil
		}
		allowed = append(allowed, st.ID)
	}
	msg := fmt.Sprintf("%s was not one of the allowed options: [%s] of pipeline %s", stageID, strings.Join(allowed, ", "), pipelineID)
	return []propertyError{{Name: names.stage, Code: "INVALID_OPTION", Message: msg, Value: stageID}}
}

func (s *Server) findPipeline(p params) (pipeline, *apiError) {
	for _, pl := range s.pipelines[p.typ.name] {
		if pl.ID == p.pipeline {
			return pl, nil
		}
	}
	return pipeline{}, newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to find pipeline %s for object type %s", p.pipeline, p.typ.id)
}

func (s *Server) listPipelines(w http.ResponseWriter, r *http.Request, p params) *apiError {
	if _, ok := pipelineProps[p.typ.name]; !ok {
		return validationError("Pipelines are not supported for object type %s", p.typ.name)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": s.pipelines[p.typ.name]})
	return nil
}

func (s *Server) getPipeline(w http.ResponseWriter, r *http.Request, p params) *apiError {
	pl, err := s.findPipeline(p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pl)
	return nil
}

func (s *Server) listStages(w http.ResponseWriter, r *http.Request, p params) *apiError {
	pl, err := s.findPipeline(p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": pl.Stages})
	return nil
}

func (s *Server) getStage(w http.ResponseWriter, r *http.Request, p params) *apiError {
	pl, err := s.findPipeline(p)
	if err != nil {
		return err
	}
	for _, st := range pl.Stages {
		if st.ID == p.stage {
			writeJSON(w, http.StatusOK, st)
			return nil
		}
	}
	return newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to find stage %s in pipeline %s", p.stage, p.pipeline)
}
