package eaccountingtest

// collection holds one resource's records in creation order, which is the
// order list endpoints answer in when no $orderby is given.
type collection struct {
	model *model
	order []string
	recs  map[string]map[string]any
}

func newCollection(m *model) *collection {
	return &collection{model: m, recs: map[string]map[string]any{}}
}

func (c *collection) get(id string) (map[string]any, bool) {
	r, ok := c.recs[id]
	return r, ok
}

func (c *collection) put(id string, rec map[string]any) {
	if _, ok := c.recs[id]; !ok {
		c.order = append(c.order, id)
	}
	c.recs[id] = rec
}

func (c *collection) remove(id string) {
	if _, ok := c.recs[id]; !ok {
		return
	}
	delete(c.recs, id)
	for i, v := range c.order {
		if v == id {
			c.order = append(c.order[:i:i], c.order[i+1:]...)
			break
		}
	}
}

// all returns deep copies of every record in order.
func (c *collection) all() []map[string]any {
	out := make([]map[string]any, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, cloneRec(c.recs[id]))
	}
	return out
}

// find returns the first record whose property equals v.
func (c *collection) find(prop string, v any) (map[string]any, bool) {
	for _, id := range c.order {
		if r := c.recs[id]; r[prop] == v {
			return r, true
		}
	}
	return nil, false
}

// store is the company's data. Every access holds Server.mu.
type store struct {
	m        *models
	colls    map[string]*collection // by the path segment after /v2/
	company  map[string]any
	payments map[string][]map[string]any // invoice id -> payments
}

func newStore() *store {
	m := newModels()
	st := &store{m: m, colls: map[string]*collection{}, payments: map[string][]map[string]any{}}
	for name, mod := range map[string]*model{
		"customers": m.customer, "customerlabels": m.customerLabel, "termsofpayments": m.termsOfPayment,
		"articles": m.article, "articlelabels": m.articleLabel, "articleaccountcodings": m.coding, "units": m.unit,
		"orders": m.order, "customerinvoicedrafts": m.draft, "customerinvoices": m.invoice,
		"vatcodes": m.vatCode, "deliverymethods": m.deliveryMethod, "deliveryterms": m.deliveryTerm,
		"costcenters": m.costCenter, "costcenteritems": m.costCenterItem, "projects": m.project,
		"accounts": m.account, "fiscalyears": m.fiscalYear, "countries": m.country, "currencies": m.currency, "bankaccounts": m.bankAccount,
	} {
		st.colls[name] = newCollection(mod)
	}
	st.company = map[string]any{}
	return st
}

func (st *store) c(name string) *collection { return st.colls[name] }

// next returns and advances one of the company's number series
// (NextCustomerNumber, NextOrderNumber, ...).
func (st *store) next(series string) int {
	n, _ := st.company[series].(float64)
	if n < 1 {
		n = 1
	}
	st.company[series] = n + 1
	return int(n)
}
