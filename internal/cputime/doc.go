// Package cputime tells the CPU time the process used. Benchmarks report
// records per CPU second beside records per second, which on a shared
// machine says more about the code than the wall clock.
package cputime
