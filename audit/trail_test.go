package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

func newTrailWith(t *testing.T, keys audit.SubjectKeys) (*memstore.Audit, *audit.Trail) {
	t.Helper()
	st := memstore.NewAudit()
	tr, err := audit.New(audit.Config{Store: st, Clock: &fixedClock{t0}, Keys: keys})
	require.NoError(t, err)
	return st, tr
}

func newTrail(t *testing.T) (*memstore.Audit, *audit.Trail) {
	return newTrailWith(t, memstore.NewSubjectKeys())
}

func readAll(t *testing.T, r audit.Reader, ws string) []audit.Event {
	t.Helper()
	evs, err := r.Chain(context.Background(), ws, 0, 100_000)
	require.NoError(t, err)
	return evs
}

func TestNew_ValidatesConfig(t *testing.T) {
	st, keys := memstore.NewAudit(), memstore.NewSubjectKeys()
	cases := []struct {
		name string
		cfg  audit.Config
		ok   bool
	}{
		{"complete", audit.Config{Store: st, Clock: audit.SystemClock, Keys: keys}, true},
		{"drop personal data instead of keys", audit.Config{Store: st, Clock: audit.SystemClock, DropPersonalData: true}, true},
		{"no store", audit.Config{Clock: audit.SystemClock, Keys: keys}, false},
		{"no clock", audit.Config{Store: st, Keys: keys}, false},
		{"no keys", audit.Config{Store: st, Clock: audit.SystemClock}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := audit.New(tc.cfg)
			if tc.ok {
				require.NoError(t, err)
				assert.NotNil(t, tr)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "audit: ")
		})
	}
}

func personalEvent() audit.Event {
	return audit.Event{Time: t0.Add(-24 * time.Hour), Workspace: "ws_1", Actor: "u_1", Action: audit.ActionInviteCreate,
		Target: audit.Target{Type: "invite", ID: "inv_1"}, Outcome: audit.OutcomeSuccess,
		IP: "198.51.100.23", UserAgent: "Mozilla/5.0 canary-ua",
		Metadata: map[string]string{"inviteeEmail": "alice@example.com", "role": "agent"}}
}

func TestTrail_StampsTimeFromClock(t *testing.T) {
	_, tr := newTrail(t)
	got, err := tr.Append(context.Background(), personalEvent())
	require.NoError(t, err)
	assert.Equal(t, t0.Truncate(time.Millisecond), got.Time, "callers cannot backdate")
	assert.Equal(t, time.UTC, got.Time.Location())
	assert.NotEmpty(t, got.ID)
}

func TestTrail_SealsPersonalData(t *testing.T) {
	ctx := context.Background()
	st, tr := newTrail(t)
	in := personalEvent()
	got, err := tr.Append(ctx, in)
	require.NoError(t, err)
	stored := readAll(t, st, "ws_1")[0]
	assert.Equal(t, got, stored)
	assert.True(t, audit.IsSealed(stored.IP))
	assert.True(t, audit.IsSealed(stored.UserAgent))
	assert.True(t, audit.IsSealed(stored.Metadata["inviteeEmail"]))
	assert.Equal(t, "agent", stored.Metadata["role"])
	js, _ := json.Marshal(stored)
	for _, plain := range []string{"198.51.100.23", "canary-ua", "alice@example.com"} {
		assert.NotContains(t, string(js), plain)
	}

	opened, err := tr.Open(ctx, stored)
	require.NoError(t, err)
	assert.Equal(t, in.IP, opened.IP)
	assert.Equal(t, in.UserAgent, opened.UserAgent)
	assert.Equal(t, "alice@example.com", opened.Metadata["inviteeEmail"])
	assert.Equal(t, audit.IsSealed(stored.IP), true, "Open does not modify its argument")
}

func TestTrail_ErasureKeepsChainVerifiable(t *testing.T) {
	ctx := context.Background()
	keys := memstore.NewSubjectKeys()
	st, tr := newTrailWith(t, keys)
	for _, actor := range []string{"u_1", "u_2", "u_1"} {
		e := personalEvent()
		e.Actor = actor
		_, err := tr.Append(ctx, e)
		require.NoError(t, err)
	}
	require.NoError(t, keys.Destroy(ctx, "u_1"))

	head, err := audit.Verify(ctx, st, "ws_1")
	require.NoError(t, err, "crypto-shredding changes no stored byte")
	assert.Equal(t, uint64(3), head.Seq)

	evs := readAll(t, st, "ws_1")
	for _, e := range evs {
		opened, err := tr.Open(ctx, e)
		require.NoError(t, err)
		if e.Actor == "u_1" {
			assert.Equal(t, audit.Erased, opened.IP)
			assert.Equal(t, audit.Erased, opened.Metadata["inviteeEmail"])
		} else {
			assert.Equal(t, "198.51.100.23", opened.IP, "other subjects unaffected")
		}
	}

	// After erasure no new personal data is stored for the subject.
	got, err := tr.Append(ctx, personalEvent())
	require.NoError(t, err)
	assert.Empty(t, got.IP)
	assert.Empty(t, got.UserAgent)
	assert.Equal(t, audit.Erased, got.Metadata["inviteeEmail"])
}

func TestAdvisory_SealedValueCannotBeMovedBetweenEvents(t *testing.T) {
	ctx := context.Background()
	st, tr := newTrail(t)
	_, err := tr.Append(ctx, personalEvent())
	require.NoError(t, err)
	_, err = tr.Append(ctx, personalEvent())
	require.NoError(t, err)
	evs := readAll(t, st, "ws_1")
	moved := evs[1]
	moved.IP = evs[0].IP
	moved.UserAgent = evs[0].IP // another field, too
	opened, err := tr.Open(ctx, moved)
	require.NoError(t, err)
	assert.Equal(t, audit.Erased, opened.IP)
	assert.Equal(t, audit.Erased, opened.UserAgent)
}

func TestTrail_ImpersonationSealsUnderSubject(t *testing.T) {
	ctx := context.Background()
	keys := memstore.NewSubjectKeys()
	_, tr := newTrailWith(t, keys)
	e := personalEvent()
	e.Impersonator, e.Subject = "op_1", "op_1"
	got, err := tr.Append(ctx, e)
	require.NoError(t, err)
	require.NoError(t, keys.Destroy(ctx, "u_1"))
	opened, err := tr.Open(ctx, got)
	require.NoError(t, err)
	assert.Equal(t, "198.51.100.23", opened.IP, "the operator's IP is the operator's data")
}

func TestTrail_NoSubjectOrDropStoresNoPersonalData(t *testing.T) {
	ctx := context.Background()
	t.Run("no subject", func(t *testing.T) {
		_, tr := newTrail(t)
		e := personalEvent()
		e.Actor = ""
		got, err := tr.Append(ctx, e)
		require.NoError(t, err)
		assert.Empty(t, got.IP)
		assert.Equal(t, audit.Erased, got.Metadata["inviteeEmail"])
	})
	t.Run("DropPersonalData", func(t *testing.T) {
		tr, err := audit.New(audit.Config{Store: memstore.NewAudit(), Clock: &fixedClock{t0}, DropPersonalData: true})
		require.NoError(t, err)
		got, err := tr.Append(ctx, personalEvent())
		require.NoError(t, err)
		assert.Empty(t, got.IP)
		assert.Empty(t, got.UserAgent)
		assert.Equal(t, audit.Erased, got.Metadata["inviteeEmail"])
	})
}

type failingKeys struct{ audit.SubjectKeys }

func (failingKeys) GetOrCreate(context.Context, string) ([]byte, error) {
	return nil, errors.New("key store down")
}

func TestTrail_KeyStoreFailureFailsClosed(t *testing.T) {
	ctx := context.Background()
	st, tr := newTrailWith(t, failingKeys{})
	_, err := tr.Append(ctx, personalEvent())
	require.ErrorIs(t, err, audit.ErrUnavailable)
	assert.Empty(t, readAll(t, st, "ws_1"), "nothing stored")
}

type failingSink struct{ calls int }

func (s *failingSink) Append(context.Context, audit.Event) (audit.Event, error) {
	s.calls++
	return audit.Event{}, errors.New("mongo: connection refused to 10.0.0.5")
}

func TestTrail_StoreFailureIsUnavailable(t *testing.T) {
	tr, err := audit.New(audit.Config{Store: &failingSink{}, Clock: &fixedClock{t0}, Keys: memstore.NewSubjectKeys()})
	require.NoError(t, err)
	_, err = tr.Append(context.Background(), personalEvent())
	assert.ErrorIs(t, err, audit.ErrUnavailable)
}
