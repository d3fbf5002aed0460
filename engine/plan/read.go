package plan

// ReadLine says how the flow's source was read, for people:
// "incremental since 2026-12-08T03:00Z (overlap 5m)", "full: first run";
// "" for a flow that was not read (ensured records only, disabled).
func (f *FlowPlan) ReadLine() string {
	switch {
	case f.ReadMode == "":
		return ""
	case f.ReadMode == "incremental":
		return "incremental " + f.ReadReason
	case f.ReadReason == "":
		return f.ReadMode
	}
	return f.ReadMode + ": " + f.ReadReason
}
