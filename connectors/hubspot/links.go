package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/kopla-dev/kopla/connectors"
)

var _ connectors.RecordLinker = (*Connector)(nil)

// account is what GET /account-info/v3/details says of the account, asked
// once per connection: a record's address in HubSpot's app needs its
// portal id and the app's domain (app-eu1.hubspot.com for an EU account).
type account struct {
	mu       sync.Mutex
	known    bool
	PortalID int64  `json:"portalId"`
	UIDomain string `json:"uiDomain"`
}

// RecordURL returns the address of record id of object in HubSpot's app:
// https://{uiDomain}/contacts/{portalId}/record/{objectTypeId}/{id}.
func (c *Connector) RecordURL(ctx context.Context, object, id string) string {
	o, ok := c.objects[object]
	if !ok || o.def.typeID == "" || id == "" {
		return ""
	}
	a := &c.account
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.known {
		// A failure is asked again next time: a link is a convenience,
		// never worth failing a page for.
		if err := c.fetchAccount(ctx, a); err != nil {
			c.logger.Warn("hubspot: cannot read the account details for record links", "error", err)
			return ""
		}
	}
	domain := a.UIDomain
	if domain == "" {
		domain = "app.hubspot.com"
	}
	return fmt.Sprintf("https://%s/contacts/%d/record/%s/%s", domain, a.PortalID, o.def.typeID, url.PathEscape(id))
}

func (c *Connector) fetchAccount(ctx context.Context, a *account) error {
	req, err := c.client.NewRequest(ctx, http.MethodGet, "/account-info/v3/details", nil, nil)
	if err != nil {
		return err
	}
	if _, err := c.client.Do(req, a); err != nil {
		return err
	}
	if a.PortalID == 0 {
		return fmt.Errorf("hubspot: the account details name no portalId")
	}
	a.known = true
	return nil
}
