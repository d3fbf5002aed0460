package eaccounting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/kopla-dev/kopla/connectors"
)

// fieldPayment is the pseudo-field that registers a write's booked invoice
// as paid: POST /v2/customerinvoices/{invoiceId}/payments with the whole
// remaining amount, in the invoice's currency.
const fieldPayment = "Payment"

var paymentField = connectors.Field{Name: fieldPayment, Type: connectors.TypeObject,
	Description: "with Invoiced = true: registers the booked invoice as paid in full (a complete payment, POST /v2/customerinvoices/{invoiceId}/payments) to the bank account CompanyBankAccountId on PaymentDate (not in the future), so that a sale paid at checkout is no open receivable",
	Fields: []connectors.Field{
		{Name: "CompanyBankAccountId", Type: connectors.TypeString, Required: true, Description: "the bank account (bankaccounts) the payment is recorded to"},
		{Name: "PaymentDate", Type: connectors.TypeDate, Required: true},
		{Name: "Reference", Type: connectors.TypeString},
	}}

// termsOfPaymentField is the document's own terms of payment. The current
// API (OpenAPI 2025+) has it on orders and drafts, overriding the
// customer's; the 2023 Swagger had it on invoices only.
var termsOfPaymentField = connectors.Field{Name: "TermsOfPaymentId", Type: connectors.TypeString,
	Description: "the terms of payment (termsofpayments) of the document and of the invoice made from it; nil for the customer's"}

// readOnlyFields marks every field read-only: an object whose only writes
// are actions (customer invoices: Payment).
func readOnlyFields(fields []connectors.Field) []connectors.Field {
	for i := range fields {
		fields[i].ReadOnly = true
	}
	return fields
}

// paymentTypeComplete is InvoicePaymentApi.PaymentType 2, CompletePayment.
const paymentTypeComplete = 2

// checkPayment refuses a Payment without the conversion that makes the
// invoice it pays, before anything is written.
func checkPayment(object string, fields map[string]any) error {
	p, ok := fields[fieldPayment]
	if !ok || p == nil {
		return nil
	}
	if inv, _ := fields[fieldInvoiced].(bool); !inv && object != "customerinvoices" {
		return fmt.Errorf("%s needs %s = true: only a booked invoice can be paid", fieldPayment, fieldInvoiced)
	}
	m, _ := p.(map[string]any)
	for _, f := range []string{"CompanyBankAccountId", "PaymentDate"} {
		if m[f] == nil || m[f] == "" {
			return fmt.Errorf("%s.%s is required", fieldPayment, f)
		}
	}
	return nil
}

// pay registers the invoice that rec was converted into as paid in full.
// A payment is not idempotent: when its answer is lost, the invoice is
// read again, and a paid one is not paid twice.
func (w *writableObject) pay(ctx context.Context, rec connectors.Record, payment map[string]any) (connectors.Record, error) {
	invoiceID, _ := rec.Fields[fieldInvoiceID].(string)
	if w.def.name == "customerinvoices" {
		invoiceID = rec.ID // an invoice paid by an update
	}
	if invoiceID == "" {
		return connectors.Record{}, errors.New("the write made no invoice to pay")
	}
	remaining, currency, err := w.remaining(ctx, invoiceID)
	if err != nil {
		return connectors.Record{}, err
	}
	if math.Abs(remaining) >= 0.005 {
		body := map[string]any{
			"CompanyBankAccountId": payment["CompanyBankAccountId"],
			"PaymentDate":          payment["PaymentDate"],
			"PaymentAmount":        remaining,
			"PaymentCurrency":      currency,
			"PaymentType":          paymentTypeComplete,
		}
		if ref, ok := payment["Reference"]; ok && ref != nil {
			body["Reference"] = ref
		}
		r := request{method: http.MethodPost, endpoint: "customerinvoices/{invoiceId}/payments", args: []string{invoiceID}, body: body}
		err := w.c.client.do(ctx, r, nil)
		var te *transientError
		if errors.As(err, &te) {
			left, _, rerr := w.remaining(ctx, invoiceID)
			if rerr != nil || math.Abs(left) >= 0.005 {
				return connectors.Record{}, err
			}
			err = nil
		}
		if err != nil {
			return connectors.Record{}, err
		}
	}
	out := connectors.Record{ID: rec.ID, Fields: make(map[string]any, len(rec.Fields)+1)}
	for k, v := range rec.Fields {
		out.Fields[k] = v
	}
	out.Fields[fieldPayment] = payment
	return out, nil
}

// remaining reads what is left to pay of an invoice, in its currency.
func (w *writableObject) remaining(ctx context.Context, invoiceID string) (float64, string, error) {
	var inv map[string]any
	if err := w.c.client.do(ctx, get("customerinvoices/{invoiceId}", nil, invoiceID), &inv); err != nil {
		return 0, "", fmt.Errorf("read invoice %s: %w", invoiceID, err)
	}
	// The client decodes numbers as json.Number.
	amount, err := json.Number(fmt.Sprint(inv["RemainingAmountInvoiceCurrency"])).Float64()
	if err != nil {
		return 0, "", fmt.Errorf("read invoice %s: RemainingAmountInvoiceCurrency %v is not a number", invoiceID, inv["RemainingAmountInvoiceCurrency"])
	}
	currency, _ := inv["CurrencyCode"].(string)
	return amount, currency, nil
}

// bankaccountsFields are the fields of BankAccountApi, what find() needs
// of the bank accounts a payment is recorded to.
func bankaccountsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Bank", Type: connectors.TypeString},
		{Name: "BankAccountHolderName", Type: connectors.TypeString},
		{Name: "BankAccountType", Type: connectors.TypeInteger},
		{Name: "BankAccountTypeDescription", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Bban", Type: connectors.TypeString},
		{Name: "CurrencyCode", Type: connectors.TypeString, ReadOnly: true},
		{Name: "HasActiveBankAgreement", Type: connectors.TypeBool},
		{Name: "Iban", Type: connectors.TypeString},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "IsActive", Type: connectors.TypeBool},
		{Name: "IsDefaultChequeAccount", Type: connectors.TypeBool},
		{Name: "LedgerAccountNumber", Type: connectors.TypeInteger},
		{Name: "ModifiedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "Name", Type: connectors.TypeString},
	}
}
