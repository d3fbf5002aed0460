package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine"
)

// settingCheck is how kopla new checks an answer to a library setting
// against the account: a record of the object whose field has the value
// must exist (the library's flows find it there), or the value must be one
// of options.
type settingCheck struct {
	conn, object, field string // conn as the library names it
	what                string // "an article", for messages
	// emptyOK: an empty answer means none, and is not looked up.
	emptyOK bool
	options []string
}

// settingChecks are the library settings whose answers kopla new checks,
// by variable name. A library that does not declare a variable is not
// checked for it.
var settingChecks = map[string]settingCheck{
	"freight_article_number":   {conn: "eaccounting.books", object: "articles", field: "Number", what: "article"},
	"default_customer_number":  {conn: "eaccounting.books", object: "customers", field: "CustomerNumber", what: "customer"},
	"default_terms_of_payment": {conn: "eaccounting.books", object: "termsofpayments", field: "Name", what: "terms of payment"},
	"default_delivery_method":  {conn: "eaccounting.books", object: "deliverymethods", field: "Code", what: "delivery method", emptyOK: true},
	"cost_center":              {conn: "eaccounting.books", object: "costcenteritems", field: "ShortName", what: "cost centre item", emptyOK: true},
	"cost_unit":                {conn: "eaccounting.books", object: "costcenteritems", field: "ShortName", what: "cost centre item", emptyOK: true},
	"default_currency":         {conn: "eaccounting.books", object: "currencies", field: "Code", what: "currency"},
	"home_country":             {conn: "eaccounting.books", object: "countries", field: "Code", what: "country"},
	"eaccounting_order_status": {options: []string{"1", "2", "3"}},
	"order_target":             {options: []string{"order", "draft", "invoice"}},
}

// accountChecker looks answers up in the accounts of the project being
// created.
type accountChecker struct {
	p *engine.Project
	// conns maps the library's connection names to the project's.
	conns map[string]string
}

// check checks the answer to the setting name, when kopla new knows how.
func (a *accountChecker) check(ctx context.Context, name, answer string) error {
	sc, ok := settingChecks[name]
	if !ok {
		return nil
	}
	if len(sc.options) > 0 {
		if !slices.Contains(sc.options, answer) {
			return fmt.Errorf("answer one of %s", strings.Join(sc.options, ", "))
		}
		return nil
	}
	if answer == "" {
		if sc.emptyOK {
			return nil
		}
		return fmt.Errorf("%s needs a value", name)
	}
	if a == nil || a.p == nil {
		return nil
	}
	key := sc.conn
	if k, ok := a.conns[key]; ok {
		key = k
	}
	recs, err := find(ctx, a.p, key, sc.object, sc.field, answer)
	if err != nil {
		return fmt.Errorf("cannot look it up in %s: %w", key, err)
	}
	if len(recs) == 0 {
		return fmt.Errorf("%s has no %s with %s %q: create it there, or answer one that exists", key, sc.what, sc.field, answer)
	}
	return nil
}

// find looks records up by a field's value.
func find(ctx context.Context, p *engine.Project, conn, object, field, value string) ([]connectors.Record, error) {
	c, err := p.Connector(ctx, conn)
	if err != nil {
		return nil, err
	}
	obj, err := c.Object(object)
	if err != nil {
		return nil, err
	}
	f, ok := obj.(connectors.Finder)
	if !ok {
		return nil, fmt.Errorf("%s records cannot be looked up", object)
	}
	return f.Find(ctx, field, []any{value})
}

// probe makes one small authenticated call to a connection, so that a
// wrong credential shows when it is given rather than at the first plan.
func probe(ctx context.Context, p *engine.Project, conn string) error {
	var err error
	switch {
	case strings.HasPrefix(conn, "hubspot."):
		_, err = find(ctx, p, conn, "contacts", "email", "kopla-new-check@example.invalid")
	case strings.HasPrefix(conn, "eaccounting."):
		_, err = find(ctx, p, conn, "termsofpayments", "Name", "kopla new check")
	}
	var ae *connectors.APIError
	if errors.As(err, &ae) && ae.Kind == connectors.ErrAuth {
		return fmt.Errorf("the account refused the credentials: %s", ae.Message)
	}
	return err
}
