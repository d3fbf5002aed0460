package hubspottest

import (
	"fmt"
	"strings"
	"testing"
)

const uniqueSeed = `{
  "properties": {"contacts": [{"name": "visma_id", "label": "Visma id", "type": "string", "fieldType": "text",
                               "groupName": "visma_sync", "hasUniqueValue": true}],
                 "products": [{"name": "visma_article_id", "label": "Visma article", "type": "string", "fieldType": "text",
                               "groupName": "visma_sync", "hasUniqueValue": true}]},
  "objects": {"contacts": [{"id": "1", "properties": {"email": "first@example.com", "visma_id": "V1"}},
                           {"id": "2", "properties": {"email": "second@example.com", "visma_id": "V2"}}]}
}`

func seeded(t *testing.T, c *client, seed string) {
	t.Helper()
	if err := c.srv.Seed(strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
}

func inputs(in ...map[string]any) map[string]any {
	list := make([]any, len(in))
	for i, x := range in {
		list[i] = x
	}
	return map[string]any{"inputs": list}
}

func readBody(ids ...string) map[string]any {
	in := make([]any, len(ids))
	for i, id := range ids {
		in[i] = map[string]any{"id": id}
	}
	return map[string]any{"inputs": in, "properties": []any{"email", "visma_id"}, "propertiesWithHistory": []any{}}
}

func TestBatchRead(t *testing.T) {
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			c := newClient(t, Options{})
			seeded(t, c, uniqueSeed)
			r := c.must(200, "POST", st.objects+"/contacts/batch/read", readBody("1", "2"))
			if len(results(r)) != 2 || str(r.body["status"]) != "COMPLETE" {
				t.Errorf("batch read = %s", r.raw)
			}
			r = c.must(207, "POST", st.objects+"/contacts/batch/read", readBody("1", "404", "405"))
			errs := r.body["errors"].([]any)
			e := errs[0].(map[string]any)
			if len(results(r)) != 1 || r.body["numErrors"] != 1.0 || e["category"] != "OBJECT_NOT_FOUND" ||
				fmt.Sprint(e["context"].(map[string]any)["ids"]) != "[404 405]" {
				t.Errorf("batch read with missing ids = %s", r.raw)
			}
			body := readBody("V2")
			body["idProperty"] = "visma_id"
			r = c.must(200, "POST", st.objects+"/contacts/batch/read", body)
			if res := results(r); len(res) != 1 || str(res[0].(map[string]any)["id"]) != "2" {
				t.Errorf("batch read by idProperty = %s", r.raw)
			}
		})
	}
}

func TestBatchCreate(t *testing.T) {
	c := newClient(t, Options{})
	seeded(t, c, uniqueSeed)
	path := "/crm/v3/objects/contacts/batch/create"
	in := func(email, visma string) map[string]any {
		return map[string]any{"properties": map[string]any{"email": email, "visma_id": visma}, "associations": []any{}}
	}
	r := c.must(201, "POST", path, inputs(in("a@example.com", "V10"), in("b@example.com", "V11")))
	if len(results(r)) != 2 {
		t.Errorf("batch create = %s", r.raw)
	}

	// One bad input rejects the whole batch, whatever is wrong with it.
	rejects := []struct {
		name   string
		bad    map[string]any
		status int
	}{
		{"unknown property", map[string]any{"properties": map[string]any{"nope": "1"}, "associations": []any{}}, 400},
		{"bad option", map[string]any{"properties": map[string]any{"lifecyclestage": "vip"}, "associations": []any{}}, 400},
		{"taken unique value", in("c2@example.com", "V1"), 400},
		{"taken email", in("FIRST@example.com", "V12"), 409},
		{"same unique value twice in the batch", in("c3@example.com", "V20"), 400},
		{"same email twice in the batch", in("OK@example.com", "V21"), 409},
	}
	for _, tc := range rejects {
		t.Run(tc.name, func(t *testing.T) {
			before := len(c.srv.Objects("contacts"))
			r := c.do("POST", path, inputs(in("ok@example.com", "V20"), tc.bad))
			if r.status != tc.status {
				t.Fatalf("status = %d %s; want %d", r.status, r.raw, tc.status)
			}
			if after := len(c.srv.Objects("contacts")); after != before {
				t.Errorf("%d records stored by a rejected batch", after-before)
			}
		})
	}

	var many []map[string]any
	for i := range 101 {
		many = append(many, in(fmt.Sprintf("m%d@example.com", i), ""))
	}
	r = c.must(400, "POST", path, inputs(many...))
	if str(r.body["category"]) != "VALIDATION_ERROR" {
		t.Errorf("101 inputs = %s", r.raw)
	}
}

func TestBatchCreateTraced(t *testing.T) {
	c := newClient(t, Options{})
	in := func(trace string, p map[string]any) map[string]any {
		return map[string]any{"properties": p, "associations": []any{}, "objectWriteTraceId": trace}
	}
	r := c.must(207, "POST", "/crm/v3/objects/products/batch/create", inputs(
		in("t1", map[string]any{"name": "Good", "price": "10"}),
		in("t2", map[string]any{"name": "Bad", "price": "ten"}),
	))
	res := results(r)
	errs := r.body["errors"].([]any)
	ctx := errs[0].(map[string]any)["context"].(map[string]any)
	if len(res) != 1 || res[0].(map[string]any)["objectWriteTraceId"] != "t1" || fmt.Sprint(ctx["objectWriteTraceId"]) != "[t2]" {
		t.Errorf("traced batch = %s", r.raw)
	}
	if n := len(c.srv.Objects("products")); n != 1 {
		t.Errorf("%d products stored; want 1", n)
	}
}

func TestBatchUpdate(t *testing.T) {
	c := newClient(t, Options{})
	seeded(t, c, uniqueSeed)
	path := "/crm/v3/objects/contacts/batch/update"
	upd := func(id string, p map[string]any) map[string]any { return map[string]any{"id": id, "properties": p} }

	r := c.must(207, "POST", path, inputs(upd("1", map[string]any{"firstname": "One"}), upd("999", map[string]any{"firstname": "X"})))
	if len(results(r)) != 1 || r.body["numErrors"] != 1.0 {
		t.Errorf("update with a missing id = %s", r.raw)
	}
	if p, _ := c.srv.Object("contacts", "1"); p["firstname"] != "One" {
		t.Errorf("found record not updated: %v", p)
	}

	r = c.must(400, "POST", path, inputs(upd("1", map[string]any{"firstname": "Two"}), upd("2", map[string]any{"lifecyclestage": "vip"})))
	if p, _ := c.srv.Object("contacts", "1"); p["firstname"] != "One" {
		t.Errorf("rejected batch changed record 1: %v", p)
	}
	r = c.must(400, "POST", path, inputs(upd("1", map[string]any{"visma_id": "V2"})))
	if !strings.Contains(str(r.body["message"]), "already has that value") {
		t.Errorf("taken unique value = %s", r.raw)
	}
	r = c.must(400, "POST", path, inputs(upd("1", map[string]any{"firstname": "A"}), upd("1", map[string]any{"lastname": "B"})))
	if str(r.body["message"]) != "Duplicate IDs found in batch input: [1]. IDs must be unique" {
		t.Errorf("duplicate ids = %s", r.raw)
	}
	byEmail := upd("first@example.com", map[string]any{"firstname": "X"})
	byEmail["idProperty"] = "email"
	r = c.must(400, "POST", path, inputs(byEmail))
	if !strings.Contains(str(r.body["message"]), "non-unique") {
		t.Errorf("update by email = %s", r.raw)
	}
	byVisma := upd("V2", map[string]any{"firstname": "Two"})
	byVisma["idProperty"] = "visma_id"
	c.must(200, "POST", path, inputs(byVisma))
	if p, _ := c.srv.Object("contacts", "2"); p["firstname"] != "Two" {
		t.Errorf("update by unique property: %v", p)
	}
}

func TestBatchUpsert(t *testing.T) {
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			c := newClient(t, Options{})
			seeded(t, c, uniqueSeed)
			path := st.objects + "/contacts/batch/upsert"
			up := func(idProp, id string, p map[string]any) map[string]any {
				return map[string]any{"idProperty": idProp, "id": id, "properties": p}
			}
			r := c.must(200, "POST", path, inputs(
				up("visma_id", "V1", map[string]any{"firstname": "Updated"}),
				up("visma_id", "V3", map[string]any{"email": "third@example.com"}),
			))
			res := results(r)
			if len(res) != 2 || res[0].(map[string]any)["new"] != false || res[1].(map[string]any)["new"] != true {
				t.Fatalf("upsert = %s", r.raw)
			}
			if p := props(res[1]); p["visma_id"] != "V3" || p["email"] != "third@example.com" {
				t.Errorf("created by upsert: %v", p)
			}
			r = c.must(200, "POST", path, inputs(up("email", "Second@Example.com", map[string]any{"lastname": "Two"})))
			if res := results(r); res[0].(map[string]any)["new"] != false || str(res[0].(map[string]any)["id"]) != "2" {
				t.Errorf("upsert by email = %s", r.raw)
			}
			c.must(400, "POST", path, inputs(up("visma_id", "V9", map[string]any{}), up("visma_id", "V9", map[string]any{})))
			c.must(400, "POST", path, inputs(up("firstname", "x", map[string]any{})))
			c.must(409, "POST", path, inputs(up("visma_id", "V8", map[string]any{"email": "first@example.com"})))
			if n := len(c.srv.Objects("contacts")); n != 3 {
				t.Errorf("%d contacts; want 3", n)
			}
		})
	}
}

func TestBatchArchive(t *testing.T) {
	c := newClient(t, Options{})
	seeded(t, c, uniqueSeed)
	c.must(204, "POST", "/crm/objects/2026-03/contacts/batch/archive", map[string]any{"inputs": []any{map[string]any{"id": "1"}, map[string]any{"id": "77"}}})
	objs := c.srv.Objects("contacts")
	if !objs[0].Archived || objs[1].Archived {
		t.Errorf("archive: %+v", objs)
	}
	// An archived contact's email is free again.
	c.must(201, "POST", "/crm/v3/objects/contacts", create(map[string]any{"email": "first@example.com"}))
}

func TestBatchReadHistoryLimit(t *testing.T) {
	c := newClient(t, Options{})
	var ids []string
	for i := range 51 {
		ids = append(ids, fmt.Sprint(i))
	}
	body := readBody(ids...)
	c.must(207, "POST", "/crm/v3/objects/contacts/batch/read", body)
	body["propertiesWithHistory"] = []any{"email"}
	r := c.must(400, "POST", "/crm/v3/objects/contacts/batch/read", body)
	if !strings.Contains(str(r.body["message"]), "property histories is 50") {
		t.Errorf("history limit = %s", r.raw)
	}
}
