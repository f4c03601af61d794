//go:build !unix

package memstore_test

import "time"

func processCPU() time.Duration { return 0 }
