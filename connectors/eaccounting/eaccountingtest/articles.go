package eaccountingtest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

func (s *Server) createArticle(w http.ResponseWriter, r *http.Request) {
	s.writeArticle(w, r, "")
}

func (s *Server) replaceArticle(w http.ResponseWriter, r *http.Request) {
	s.writeArticle(w, r, r.PathValue("articleId"))
}

// writeArticle creates (id "") or fully replaces an article. Net and gross
// price must agree with the VAT rate of the article's account coding: send
// one and the other is derived, or send both consistent.
func (s *Server) writeArticle(w http.ResponseWriter, r *http.Request, id string) {
	body, rec, ok := decodeRequest(w, r, s.data.m.article)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.data
	articles := st.c("articles")
	var old map[string]any
	if id != "" {
		id = strings.ToLower(id)
		if old, ok = articles.get(id); !ok {
			notFound(w, "Article", id)
			return
		}
	}
	if !s.refExists(w, rec, "CodingId", "articleaccountcodings", "ArticleAccountCoding") ||
		!s.refExists(w, rec, "UnitId", "units", "Unit") {
		return
	}
	if rec["UsesMoss"] == true && st.company["UsesMoss"] != true {
		msg := "UsesMoss can be set only when the company uses OSS (the OSS setting in company settings)."
		writeError(w, http.StatusBadRequest, codeValidation, msg,
			fieldError{Field: "UsesMoss", ErrorCode: strconv.Itoa(codeValidation), Message: msg})
		return
	}
	coding, _ := st.c("articleaccountcodings").get(rec["CodingId"].(string))
	unit, _ := st.c("units").get(rec["UnitId"].(string))
	if msg := setPrices(rec, num(coding["VatRatePercent"])); msg != "" {
		writeError(w, http.StatusBadRequest, codeValidation, msg,
			fieldError{Field: "GrossPrice", ErrorCode: strconv.Itoa(codeValidation), Message: msg})
		return
	}
	for _, p := range []string{"PurchasePrice", "FreightCosts"} {
		if v, ok := rec[p].(float64); ok {
			rec[p] = round2(v)
		}
	}
	if other, taken := s.findFold(articles, "Number", rec["Number"].(string)); taken && other["Id"] != id {
		writeError(w, http.StatusConflict, codeConflict,
			fmt.Sprintf("Conflict - An article with Number '%s' already exists.", rec["Number"]),
			fieldError{Field: "Number", ErrorCode: strconv.Itoa(codeConflict), Message: "The article number is already in use."})
		return
	}
	labels, ferr := s.resolveLabels(body, "ArticleLabels", "articlelabels")
	if ferr != nil {
		writeError(w, http.StatusBadRequest, codeNotFound, ferr.Message, *ferr)
		return
	}
	if labels != nil {
		rec["ArticleLabels"] = labels
	}
	if _, sent := body["SendToWebshop"]; !sent {
		rec["SendToWebshop"] = true // documented default
	}
	now := formatTime(s.now())
	if id == "" {
		id = newUUID()
		rec["CreatedUtc"] = now
	} else {
		rec["CreatedUtc"] = old["CreatedUtc"]
	}
	rec["Id"] = id
	rec["ChangedUtc"] = now
	// No discount agreements in the demo company: the discounted price is the price.
	rec["NetPriceWithDiscount"] = rec["NetPrice"]
	rec["CodingName"] = coding["Name"]
	rec["IsServiceArticle"] = coding["Type"] == "Service"
	rec["UnitName"] = unit["Name"]
	rec["UnitAbbreviation"] = unit["Abbreviation"]
	// No stock module in the demo company: stock figures are plain values.
	rec["StockBalanceAvailable"] = rec["StockBalance"]
	rec["StockBalanceReserved"] = float64(0)
	rec["StockValue"] = round2(num(rec["StockBalance"]) * num(rec["PurchasePrice"]))
	rec["ShowStockInformation"] = false
	articles.put(id, rec)
	status := http.StatusOK
	if old == nil {
		status = http.StatusCreated
	}
	writeJSON(w, status, cloneRec(rec))
}

// setPrices derives the missing one of NetPrice and GrossPrice from the
// VAT rate (a fraction, 0.25 for 25 %) or checks that both agree. It
// returns a message when they do not.
func setPrices(rec map[string]any, rate float64) string {
	net, gross := round2(num(rec["NetPrice"])), round2(num(rec["GrossPrice"]))
	switch {
	case net == 0 && gross == 0:
	case gross == 0:
		gross = round2(net * (1 + rate))
	case net == 0:
		net = round2(gross / (1 + rate))
	default:
		if math.Abs(round2(net*(1+rate))-gross) > 0.005 && math.Abs(round2(gross/(1+rate))-net) > 0.005 {
			return fmt.Sprintf("GrossPrice %.2f does not match NetPrice %.2f at the VAT rate %g %% of the article's account coding (expected GrossPrice %.2f); send one of them, or both consistent.",
				gross, net, rate*100, round2(net*(1+rate)))
		}
	}
	rec["NetPrice"], rec["GrossPrice"] = net, gross
	return ""
}
