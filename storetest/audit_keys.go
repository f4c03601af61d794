package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
)

// RunSubjectKeys runs the conformance suite of audit.SubjectKeys against
// fresh key stores made by newKeys, one per subtest.
func RunSubjectKeys(t *testing.T, newKeys func(t *testing.T) audit.SubjectKeys) {
	ctx := context.Background()

	t.Run("GetOrCreateIsStable", func(t *testing.T) {
		k := newKeys(t)
		a, err := k.GetOrCreate(ctx, "u_1")
		require.NoError(t, err)
		assert.Len(t, a, audit.KeySize)
		assert.NotEqual(t, make([]byte, audit.KeySize), a)
		b, err := k.GetOrCreate(ctx, "u_1")
		require.NoError(t, err)
		assert.Equal(t, a, b)
		c, err := k.Get(ctx, "u_1")
		require.NoError(t, err)
		assert.Equal(t, a, c)
	})

	t.Run("SubjectsHaveDistinctKeys", func(t *testing.T) {
		k := newKeys(t)
		a, err := k.GetOrCreate(ctx, "u_1")
		require.NoError(t, err)
		b, err := k.GetOrCreate(ctx, "u_2")
		require.NoError(t, err)
		assert.NotEqual(t, a, b)
	})

	t.Run("GetUnknownIsNotFound", func(t *testing.T) {
		k := newKeys(t)
		_, err := k.Get(ctx, "u_1")
		assert.ErrorIs(t, err, audit.ErrKeyNotFound)
	})

	t.Run("ReturnedKeyIsACopy", func(t *testing.T) {
		k := newKeys(t)
		a, err := k.GetOrCreate(ctx, "u_1")
		require.NoError(t, err)
		orig := bytes.Clone(a)
		clear(a)
		b, err := k.Get(ctx, "u_1")
		require.NoError(t, err)
		assert.Equal(t, orig, b)
	})

	t.Run("DestroyIsForever", func(t *testing.T) {
		k := newKeys(t)
		_, err := k.GetOrCreate(ctx, "u_1")
		require.NoError(t, err)
		require.NoError(t, k.Destroy(ctx, "u_1"))
		require.NoError(t, k.Destroy(ctx, "u_1"), "idempotent")
		_, err = k.Get(ctx, "u_1")
		assert.ErrorIs(t, err, audit.ErrSubjectErased)
		_, err = k.GetOrCreate(ctx, "u_1")
		assert.ErrorIs(t, err, audit.ErrSubjectErased)
		other, err := k.GetOrCreate(ctx, "u_2")
		require.NoError(t, err)
		assert.Len(t, other, audit.KeySize)
	})

	t.Run("DestroyUnknownLeavesTombstone", func(t *testing.T) {
		k := newKeys(t)
		require.NoError(t, k.Destroy(ctx, "u_1"))
		_, err := k.GetOrCreate(ctx, "u_1")
		assert.ErrorIs(t, err, audit.ErrSubjectErased)
	})

	t.Run("ConcurrentGetOrCreateAgree", func(t *testing.T) {
		k := newKeys(t)
		const n = 50
		keys := make([][]byte, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				key, err := k.GetOrCreate(ctx, "u_1")
				assert.NoError(t, err)
				keys[i] = key
			})
		}
		wg.Wait()
		for i := range n {
			assert.Equal(t, keys[0], keys[i])
		}
	})

	t.Run("DestroyWinsOverConcurrentCreates", func(t *testing.T) {
		k := newKeys(t)
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				_, err := k.GetOrCreate(ctx, "u_1")
				if err != nil {
					assert.ErrorIs(t, err, audit.ErrSubjectErased)
				}
			})
		}
		wg.Go(func() { assert.NoError(t, k.Destroy(ctx, "u_1")) })
		wg.Wait()
		_, err := k.GetOrCreate(ctx, "u_1")
		assert.ErrorIs(t, err, audit.ErrSubjectErased)
	})
}
