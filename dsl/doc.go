// Package dsl reads kopla's HCL files into a source model: what the files say,
// with the source range of everything, before any evaluation. Expressions in
// flows stay expr-lang source text; the engine compiles them against
// connector schemas. No network and no connector code here.
//
// A project is the *.hcl files of one directory, and its *.hcl.json files
// in HCL's JSON syntax. [Load] decodes both through hcl.Body schemas, as
// Terraform's configs package does, into a [Config] with these top-level
// blocks:
//
//	kopla { state = "...", log_retention_days = 30 }
//	variable "name" { default = ..., description = "...", sensitive = true }
//	connection "kind" "name" { ...settings of the connector... }
//	lookup "name" { values = { key = "value" }, default = "..." }
//	function "name" { params = ["a"], expr = "..." }
//	flow "name" {
//	  source = kind.connection.object      # a reference, never evaluated
//	  target = kind.connection.object
//	  include = ["associations"]
//	  where  = "expr"                      # expr-lang source in a string
//	  key    = "target_field"
//	  mode   = "upsert"                    # or "create", "update"
//	  fields { target_field = "expr" }
//	  create_only { target_field = "expr" }
//	  ensure "name" { flow = flow.other, input = "expr" }  # or for_each = "expr"
//	}
//
// Flow expressions are literal strings or heredocs holding expr-lang: dsl
// checks their syntax and their var.<name> references, and [Expr.RangeAt]
// maps expr-lang's error positions back into the file, inside the string.
// Variables are resolved by Load (default, .kopla.vars, -var-file,
// KOPLA_VAR_<name>, -var; later wins). Connection bodies belong to their
// connector: [DecodeConnection] evaluates them against its config schema,
// with var.<name> and the functions env, file, lower, upper, trimspace,
// format and coalesce.
//
// Every problem a person can fix is an hcl.Diagnostic with a precise
// subject. [WriteDiagnostics] renders them as Terraform does, and
// [JSONDiagnostics] builds the `validate -json` document. [Format] and
// [FormatDir] implement `kopla fmt`.
package dsl
