//go:build unix

package memstore_test

import (
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time, so benchmarks can
// report CPU per operation apart from wall time on a shared machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
