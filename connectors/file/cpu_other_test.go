//go:build !unix

package file

// cpuSeconds is unknown on this system: benchmarks report no CPU rate.
func cpuSeconds() float64 { return 0 }

func bytesOut() float64 { return 0 }
