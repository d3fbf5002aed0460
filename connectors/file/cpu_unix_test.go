//go:build unix

package file

import "syscall"

// cpuSeconds returns the CPU time the process used so far, user and system.
// Benchmarks report records per CPU second beside records per second,
// which on a shared machine says more about the code than the wall clock.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// bytesOut returns the bytes the process wrote to storage so far (0 where
// the system does not tell).
func bytesOut() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Oublock) * 512
}
