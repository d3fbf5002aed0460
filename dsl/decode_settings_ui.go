package dsl

import (
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/crypto/bcrypt"
)

// minUITokenLength keeps a dashboard token out of guessing range.
const minUITokenLength = 16

// decodeUISettings reads the dashboard's credential from the kopla block:
// ui_token (read it with env()) and ui_password_hash (bcrypt).
func (l *loader) decodeUISettings(attrs hcl.Attributes) {
	s := l.cfg.Settings
	if attr, ok := attrs["ui_token"]; ok {
		if v, ok := l.eval(attr, cty.String, "the kopla block"); ok {
			if tok := v.AsString(); utf8.RuneCountInString(tok) < minUITokenLength {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid value",
					Detail:   "ui_token must have at least 16 characters: set it to a long random value, read from the environment (ui_token = env(\"KOPLA_UI_TOKEN\")), never written in the file.",
					Subject:  attr.Expr.Range().Ptr(),
				})
			} else {
				s.UIToken = Secret(tok)
			}
		}
	}
	if attr, ok := attrs["ui_password_hash"]; ok {
		if v, ok := l.eval(attr, cty.String, "the kopla block"); ok {
			if _, err := bcrypt.Cost([]byte(v.AsString())); err != nil {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid value",
					Detail:   "ui_password_hash must be a bcrypt hash (it starts with $2b$ or $2a$; htpasswd -nbB user PASSWORD prints one after the colon), not the password itself.",
					Subject:  attr.Expr.Range().Ptr(),
				})
			} else {
				s.UIPasswordHash = v.AsString()
			}
		}
	}
}
