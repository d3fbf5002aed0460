package hubspottest

import "net/http"

// accountDetails is GET /account-info/v3/details (and its dated version):
// the account's id, type, time zone, currencies, hosting and the domain of
// its web app, all fields HubSpot marks required.
func (s *Server) accountDetails(w http.ResponseWriter, r *http.Request, p params) *apiError {
	writeJSON(w, http.StatusOK, map[string]any{
		"portalId":              s.opts.PortalID,
		"accountType":           "STANDARD",
		"timeZone":              "Europe/Stockholm",
		"companyCurrency":       "SEK",
		"additionalCurrencies":  []string{},
		"utcOffset":             "+01:00",
		"utcOffsetMilliseconds": 3600000,
		"uiDomain":              "app-eu1.hubspot.com",
		"dataHostingLocation":   "eu1",
	})
	return nil
}
