package hubspottest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPipelinesAPI reads the default pipelines in the shapes of the SPEC
// (crm-pipelines-v3.json: CollectionResponsePipelineNoPaging, Pipeline,
// PipelineStage).
func TestPipelinesAPI(t *testing.T) {
	for _, pre := range []string{"/crm/v3/pipelines", "/crm/pipelines/2026-03"} {
		t.Run(pre, func(t *testing.T) {
			c := newClient(t, Options{})
			r := c.must(200, "GET", pre+"/deals", nil)
			deals := results(r)
			if len(deals) != 1 {
				t.Fatalf("deal pipelines = %s; want the default one", r.raw)
			}
			pl := deals[0].(map[string]any)
			if pl["id"] != "default" || pl["createdAt"] != "1970-01-01T00:00:00.000Z" {
				t.Errorf("deal pipeline = %v; want id default, createdAt 0", pl)
			}
			var stageIDs []string
			for _, st := range pl["stages"].([]any) {
				stageIDs = append(stageIDs, str(st.(map[string]any)["id"]))
			}
			want := []string{"appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"}
			if diff := cmp.Diff(want, stageIDs); diff != "" {
				t.Errorf("deal stages (-want +got):\n%s", diff)
			}
			won := c.must(200, "GET", pre+"/deals/default/stages/closedwon", nil)
			if diff := cmp.Diff(map[string]any{"isClosed": "true", "probability": "1.0"}, won.body["metadata"]); diff != "" {
				t.Errorf("closedwon metadata (-want +got):\n%s", diff)
			}
			orders := results(c.must(200, "GET", pre+"/orders", nil))
			if len(orders) != 1 {
				t.Fatalf("order pipelines = %v; want one", orders)
			}
			id := str(orders[0].(map[string]any)["id"])
			stages := results(c.must(200, "GET", pre+"/orders/"+id+"/stages", nil))
			if len(stages) != 7 || stages[4].(map[string]any)["metadata"].(map[string]any)["state"] != "CLOSED" {
				t.Errorf("order stages = %v; want seven, Shipped CLOSED", stages)
			}
			c.must(200, "GET", pre+"/orders/"+id, nil)
			c.must(404, "GET", pre+"/deals/nosuchpipeline", nil)
			c.must(404, "GET", pre+"/deals/default/stages/nosuchstage", nil)
		})
	}
	c := newDirectClient(t, Options{})
	c.must(400, "GET", "/crm/v3/pipelines/contacts", nil)
}

// TestStagesValidated: a deal or order stage is one of its pipeline's
// stages; HubSpot answers 400 VALIDATION_ERROR with an INVALID_OPTION.
func TestStagesValidated(t *testing.T) {
	c := newClient(t, Options{})
	orderPipeline := c.srv.pipelines["orders"][0].ID
	c.must(201, "POST", "/crm/v3/objects/deals", create(map[string]any{"dealname": "A", "dealstage": "closedwon"}))
	c.must(201, "POST", "/crm/v3/objects/orders", create(map[string]any{"hs_order_name": "O", "hs_pipeline": orderPipeline, "hs_pipeline_stage": "shipped"}))
	c.must(201, "POST", "/crm/v3/objects/orders", create(map[string]any{"hs_order_name": "O2", "hs_pipeline_stage": "processed"}))

	bad := []struct {
		name, path string
		props      map[string]any
		prop       string
	}{
		{"deal stage by label", "/crm/v3/objects/deals", map[string]any{"dealname": "B", "dealstage": "Closed Won"}, "dealstage"},
		{"unknown deal pipeline", "/crm/v3/objects/deals", map[string]any{"dealname": "B", "pipeline": "renewals", "dealstage": "closedwon"}, "pipeline"},
		{"deal stage on an order", "/crm/v3/objects/orders", map[string]any{"hs_order_name": "O", "hs_pipeline_stage": "closedwon"}, "hs_pipeline_stage"},
	}
	for _, tc := range bad {
		r := c.must(400, "POST", tc.path, create(tc.props))
		if r.body["category"] != "VALIDATION_ERROR" || !strings.Contains(str(r.body["message"]), `"error":"INVALID_OPTION","name":"`+tc.prop+`"`) {
			t.Errorf("%s: %s; want an INVALID_OPTION on %s", tc.name, r.raw, tc.prop)
		}
	}
	for _, o := range c.srv.Objects("deals") {
		if o.Properties["pipeline"] != "default" {
			t.Errorf("deal %s in pipeline %q; want default", o.ID, o.Properties["pipeline"])
		}
	}
}

// TestStageBelongsToPipeline: with two deal pipelines, a stage of one is
// refused in the other, on create and when an update moves the pipeline
// but leaves the stage.
func TestStageBelongsToPipeline(t *testing.T) {
	c := newClient(t, Options{})
	c.srv.mu.Lock()
	renewals := pipeline{ID: "renewals", Label: "Renewals", Stages: []stage{{ID: "renewal_won", Label: "Renewed", WritePermissions: "CRM_PERMISSIONS_ENFORCEMENT", Metadata: map[string]string{"isClosed": "true", "probability": "1.0"}}}}
	c.srv.pipelines["deals"] = append(c.srv.pipelines["deals"], renewals)
	c.srv.props["deals"]["pipeline"].Options = append(c.srv.props["deals"]["pipeline"].Options, Option{Label: "Renewals", Value: "renewals"})
	c.srv.props["deals"]["dealstage"].Options = append(c.srv.props["deals"]["dealstage"].Options, Option{Label: "Renewed", Value: "renewal_won"})
	c.srv.mu.Unlock()

	c.must(201, "POST", "/crm/v3/objects/deals", create(map[string]any{"dealname": "R", "pipeline": "renewals", "dealstage": "renewal_won"}))
	r := c.must(400, "POST", "/crm/v3/objects/deals", create(map[string]any{"dealname": "X", "dealstage": "renewal_won"}))
	if !strings.Contains(str(r.body["message"]), "of pipeline default") {
		t.Errorf("stage of another pipeline: %s; want it refused for pipeline default", r.raw)
	}
	id := str(c.must(201, "POST", "/crm/v3/objects/deals", create(map[string]any{"dealname": "Y", "dealstage": "closedwon"})).body["id"])
	c.must(400, "PATCH", "/crm/v3/objects/deals/"+id, map[string]any{"properties": map[string]any{"pipeline": "renewals"}})
	c.must(200, "PATCH", "/crm/v3/objects/deals/"+id, map[string]any{"properties": map[string]any{"pipeline": "renewals", "dealstage": "renewal_won"}})
	// As with any invalid value, the whole batch is refused.
	c.must(400, "POST", "/crm/v3/objects/deals/batch/update", inputs(
		map[string]any{"id": id, "properties": map[string]any{"dealstage": "closedwon"}}))
	if got, _ := c.srv.Object("deals", id); got["dealstage"] != "renewal_won" {
		t.Errorf("refused update changed the stage to %q", got["dealstage"])
	}
}
