package memstore

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
)

// tamper edits a chain's stored events behind the store's back, as an
// attacker with database access would. Only tests can do this: the store has
// no update or delete path.
func tamper(s *Audit, ws string, f func(events []audit.Event) []audit.Event) {
	c := s.chain(ws, false)
	c.mu.Lock()
	defer c.mu.Unlock()
	var all []audit.Event
	for _, b := range c.blocks {
		all = append(all, b...)
	}
	all = f(all)
	c.blocks, c.n = nil, 0
	for _, e := range all {
		c.push(e)
	}
}

func TestAdvisory_AuditTamperingIsDetected(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		edit   func([]audit.Event) []audit.Event
		seq    uint64
		reason string
	}{
		{"edited field", func(ev []audit.Event) []audit.Event {
			ev[4].Outcome = audit.OutcomeSuccess
			ev[4].Actor = "u_innocent"
			return ev
		}, 5, "hash"},
		{"edited and rehashed", func(ev []audit.Event) []audit.Event {
			ev[4].Actor = "u_innocent"
			ev[4].Hash = audit.HashOf(ev[4])
			return ev
		}, 6, "prev_hash"},
		{"deleted", func(ev []audit.Event) []audit.Event {
			return append(ev[:3:3], ev[4:]...)
		}, 4, "seq"},
		{"deleted and renumbered", func(ev []audit.Event) []audit.Event {
			out := append(ev[:3:3], ev[4:]...)
			for i := 3; i < len(out); i++ {
				out[i].Seq--
				out[i].Hash = audit.HashOf(out[i])
			}
			return out
		}, 4, "prev_hash"},
		{"reordered", func(ev []audit.Event) []audit.Event {
			ev[2], ev[3] = ev[3], ev[2]
			return ev
		}, 3, "seq"},
		{"inserted", func(ev []audit.Event) []audit.Event {
			fake, err := audit.Link(audit.Head{Seq: ev[1].Seq, Hash: ev[1].Hash}, audit.Event{
				Time: t0, Workspace: "ws_a", Actor: "u_framed", Action: audit.ActionWorkspaceDelete, Outcome: audit.OutcomeSuccess,
			})
			require.NoError(t, err)
			return append(ev[:2:2], append([]audit.Event{fake}, ev[2:]...)...)
		}, 4, "seq"},
		{"moved from another workspace", func(ev []audit.Event) []audit.Event {
			ev[0].Workspace = "ws_b"
			return ev
		}, 1, "workspace"},
		{"truncated history start", func(ev []audit.Event) []audit.Event {
			return ev[1:]
		}, 1, "seq"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewAudit()
			for i := range 8 {
				_, err := s.Append(ctx, audit.Event{
					Time: t0.Add(time.Duration(i) * time.Minute), Workspace: "ws_a", Actor: "u_" + strconv.Itoa(i),
					Action: audit.ActionMemberRoleChange, Outcome: audit.OutcomeDenied,
				})
				require.NoError(t, err)
			}
			_, err := audit.Verify(ctx, s, "ws_a")
			require.NoError(t, err)

			tamper(s, "ws_a", tc.edit)

			_, err = audit.Verify(ctx, s, "ws_a")
			require.ErrorIs(t, err, audit.ErrTampered)
			var bl *audit.BrokenLinkError
			require.ErrorAs(t, err, &bl)
			assert.Equal(t, tc.seq, bl.Seq)
			assert.Equal(t, tc.reason, bl.Reason)
		})
	}
}
