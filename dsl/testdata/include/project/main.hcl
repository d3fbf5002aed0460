kopla {
  include = ["../lib"]
}

connection "file" "in" { dir = "in" }
connection "file" "out" { dir = "out" }
