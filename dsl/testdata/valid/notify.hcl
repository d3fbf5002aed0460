connection "file" "in"  { dir = "in" }
connection "file" "out" { dir = "out" }

flow "people" {
  source = file.in.people
  target = file.out.contacts
  key    = "email"
  fields {
    email = "source.email"
  }
}

notify "ops" {
  on    = ["run_failed", "records_failed", "consecutive_failures", "no_success", "pickup_lag"]
  flows = ["people"]

  records_failed {
    share = 0.05
  }
  consecutive_failures = 3
  no_success_within    = "6h"
  pickup_lag_over      = "10m"

  email {
    to   = ["ops@example.com", "Accounts <accounts@example.com>"]
    from = "kopla@example.com"
    smtp {
      host     = "smtp.example.com"
      username = "kopla"
      password = env("SMTP_PASSWORD")
    }
  }
  slack {
    webhook_url = env("SLACK_WEBHOOK")
  }
  webhook {
    url    = "https://hooks.example.com/kopla"
    secret = env("KOPLA_WEBHOOK_SECRET")
  }
}

notify "books" {
  on = ["records_failed"]
  webhook {
    url    = "http://127.0.0.1:9000/hook"
    secret = env("BOOKS_SECRET")
  }
}
