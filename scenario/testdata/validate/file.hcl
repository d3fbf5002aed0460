connection "file" "exports" {
  dir       = "out"
  delimiter = ";;" # ERROR: Invalid value
}

connection "file" "imports" {
  dir = "" # ERROR: Empty setting
}
