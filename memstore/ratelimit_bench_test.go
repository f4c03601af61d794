package memstore_test

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/ratelimit"
)

var benchT0 = time.Unix(1_700_000_000, 0)

// BenchmarkRateLimitsTake measures one decision. The clock advances 1µs per
// op, so hot-key runs mix admissions, denials and expiries. The 1M-keys runs
// walk the key strings in order (a request's key is freshly built, so in
// cache), while their slots in the store are scattered by the hash.
func BenchmarkRateLimitsTake(b *testing.B) {
	ctx := context.Background()
	l := ratelimit.Limit{N: 100, Window: time.Millisecond}
	b.Run("hot-key/serial", func(b *testing.B) {
		s := newRateLimits(b, memstore.RateLimitOptions{})
		b.ReportAllocs()
		cpu := processCPU()
		var i int64
		for b.Loop() {
			i++
			_, _ = s.Take(ctx, "ip:203.0.113.7", benchT0.Add(time.Duration(i)*time.Microsecond), l)
		}
		reportCPU(b, cpu)
	})
	b.Run("hot-key/parallel", func(b *testing.B) {
		s := newRateLimits(b, memstore.RateLimitOptions{})
		var clock atomic.Int64
		b.ReportAllocs()
		cpu := processCPU()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := clock.Add(1)
				_, _ = s.Take(ctx, "ip:203.0.113.7", benchT0.Add(time.Duration(i)*time.Microsecond), l)
			}
		})
		reportCPU(b, cpu)
	})
	const distinct = 1 << 20
	keys := make([]string, distinct)
	for i := range keys {
		keys[i] = "register-ip\x00198.51." + strconv.Itoa(i>>8) + "." + strconv.Itoa(i&255)
	}
	hour := ratelimit.PerHour(5)
	warm := func(b *testing.B) *memstore.RateLimits {
		s := newRateLimits(b, memstore.RateLimitOptions{MaxKeys: 2 * distinct})
		for _, k := range keys {
			if _, err := s.Take(ctx, k, benchT0, hour); err != nil {
				b.Fatal(err)
			}
		}
		return s
	}
	b.Run("1M-keys/serial", func(b *testing.B) {
		s := warm(b)
		b.ReportAllocs()
		b.ResetTimer()
		cpu := processCPU()
		var i int
		for b.Loop() {
			i++
			_, _ = s.Take(ctx, keys[i&(distinct-1)], benchT0.Add(time.Duration(i)*time.Microsecond), hour)
		}
		reportCPU(b, cpu)
	})
	b.Run("1M-keys/parallel", func(b *testing.B) {
		s := warm(b)
		var clock atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		cpu := processCPU()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(clock.Add(1))
				_, _ = s.Take(ctx, keys[i&(distinct-1)], benchT0.Add(time.Duration(i)*time.Microsecond), hour)
			}
		})
		reportCPU(b, cpu)
	})
}

// reportCPU reports the process CPU time spent per op since start: on a
// busy shared machine it tracks the cost of an op better than wall time.
// Under RunParallel it sums the CPU of all goroutines.
func reportCPU(b *testing.B, start time.Duration) {
	if c := processCPU(); c > 0 && b.N > 0 {
		b.ReportMetric(float64(c-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkRateLimitsMemory reports the heap held per key (N=5, keys of
// about 25 bytes), measured over 1M keys.
func BenchmarkRateLimitsMemory(b *testing.B) {
	ctx := context.Background()
	const distinct = 1 << 20
	l := ratelimit.PerHour(5)
	for b.Loop() {
		keys := make([]string, distinct)
		for i := range keys {
			keys[i] = "register-ip\x00198.51." + strconv.Itoa(i>>8) + "." + strconv.Itoa(i&255)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := newRateLimits(b, memstore.RateLimitOptions{MaxKeys: 2 * distinct})
		for _, k := range keys {
			if _, err := s.Take(ctx, k, benchT0, l); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/distinct, "B/key")
		runtime.KeepAlive(s)
		runtime.KeepAlive(keys)
	}
}
