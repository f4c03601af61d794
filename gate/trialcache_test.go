package gate

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTrialCacheFormatsEveryInstantCorrectly(t *testing.T) {
	var c trialCache
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("X", 5*3600))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				// Instants 64 s apart share a slot: the cache must never
				// answer one with the other's text.
				end := base.Add(time.Duration((i+g)%200*64) * time.Second).Add(300 * time.Millisecond)
				assert.Equal(t, end.UTC().Format(time.RFC3339), c.format(end))
			}
		}()
	}
	wg.Wait()
}
