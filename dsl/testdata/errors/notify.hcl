connection "file" "in"  { dir = "in" }

flow "people" {
  source = file.in.people
  target = file.in.contacts
  key    = "email"
  fields {
    email = "source.email"
  }
}

notify "rules" {
  on    = ["run_failed", "run_faild", "run_failed"] # ERROR: Invalid value
  flows = ["peple"] # ERROR: Unknown flow
  consecutive_failures = 0 # ERROR: Value out of range
  slack {
    webhook_url = "https://hooks.slack.com/services/T0/B0/x" # WARNING: Secret written in a file
  }
}

notify "thresholds" {
  on = ["records_failed", "no_success", "pickup_lag", "pickup_lag"] # ERROR: Missing threshold # ERROR: Duplicate rule
  records_failed {
    count = 2 # ERROR: Conflicting settings
    share = 1.5 # ERROR: Invalid value
  }
  no_success_within = "six hours" # ERROR: Invalid duration
  consecutive_failures = 2 # ERROR: Threshold without its rule
  webhook {
    url    = "ftp://example.com/x" # ERROR: Invalid URL
    secret = env("HOOK_SECRET")
  }
}

notify "nochannel" { # ERROR: No channel
  on = ["run_failed"]
  sms { # ERROR: Unknown block type
  }
}

notify "email" { # ERROR: Missing required argument
  email {
    to   = ["ops@example.com", "not an address"] # ERROR: Invalid e-mail address
    from = "kopla@example.com"
    smtp {
      host     = "smtp.example.com"
      port     = 70000 # ERROR: Value out of range
      password = env("SMTP_PASSWORD") # ERROR: Password without username
      starttls = true # ERROR: Conflicting settings
      tls      = true
    }
  }
}

notify "email" { # ERROR: Duplicate notify block
  on = []
}

notify "empty" {
  on = [] # ERROR: No rules
  slack {
    webhook_url = env("SLACK_WEBHOOK")
  }
}

notify "plain" {
  on = ["run_failed"]
  slack {
    webhook_url = env("SLACK_WEBHOOK", "http://hooks.slack.com/x") # ERROR: Invalid URL
  }
}
