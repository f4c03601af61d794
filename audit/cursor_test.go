package audit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
)

func TestParseCursor(t *testing.T) {
	seq, ok, err := audit.ParseCursor("")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Zero(t, seq)

	seq, ok, err = audit.ParseCursor(audit.EncodeCursor(42))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, uint64(42), seq)

	for _, bad := range []string{"42", "czEuNDI=", "!", audit.EncodeCursor(0), audit.EncodeCursor(1),
		"czEuLTE", "czEuMDQy", "czIuNDI", "czEuMTg0NDY3NDQwNzM3MDk1NTE2MTY", string(make([]byte, 100))} {
		_, _, err := audit.ParseCursor(bad)
		assert.ErrorIs(t, err, audit.ErrInvalidCursor, "%q", bad)
	}
}

func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"", audit.EncodeCursor(2), audit.EncodeCursor(1 << 63), "czEuMDQy", "====", "s1.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seq, ok, err := audit.ParseCursor(s)
		if err != nil || !ok {
			return
		}
		require.GreaterOrEqual(t, seq, uint64(2))
		require.Equal(t, s, audit.EncodeCursor(seq), "one cursor per position")
	})
}
