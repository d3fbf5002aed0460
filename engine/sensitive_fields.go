package engine

// SensitiveFields returns the fields of a flow's target that its schema
// marks sensitive, sorted; nil for an unknown flow. A saved plan carries
// them, so that kopla show hides what kopla plan hides without the project.
func (p *Project) SensitiveFields(flow string) []string {
	f := p.flows[flow]
	if f == nil || f.target == nil {
		return nil
	}
	var names []string
	for _, name := range f.target.schema.Names() {
		if fl, _ := f.target.schema.Field(name); fl.Sensitive {
			names = append(names, name)
		}
	}
	return names
}
