package mongostore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// recSink records appends, or refuses them with err.
type recSink struct {
	err  error
	evs  []audit.Event
	seen func() // called on each append, before answering
}

func (s *recSink) Append(_ context.Context, e audit.Event) (audit.Event, error) {
	if s.seen != nil {
		s.seen()
	}
	if s.err != nil {
		return audit.Event{}, s.err
	}
	s.evs = append(s.evs, e)
	return e, nil
}

var privWS = tenancy.Workspace{ID: "ws-a", OwnerID: "u-a", Status: tenancy.StatusActive, CreatedAt: t0, Version: 3}

var privEv = audit.Event{Time: t0, Action: audit.ActionWorkspaceDelete, Outcome: audit.OutcomeSuccess, Actor: "u-a"}

// TestPrivacyFaultsFailClosed injects each driver fault into every privacy
// store method: the error wraps ErrUnavailable and none of the sentinels
// a caller could take for an answer, and no count is reported.
func TestPrivacyFaultsFailClosed(t *testing.T) {
	ctx := context.Background()
	ops := []struct {
		name string
		run  func(c collection) (int, error)
	}{
		{"DeleteWorkspaceAudited", func(c collection) (int, error) {
			return 0, newTestTenancy(c, c, c).DeleteWorkspaceAudited(ctx, privWS, privEv, &recSink{})
		}},
		{"UserInvites", func(c collection) (int, error) {
			got, err := newInvites(testBase, c).UserInvites(ctx, "u-a", []string{"a@example.com"})
			return len(got), err
		}},
		{"DeleteUserInvites", func(c collection) (int, error) {
			return newInvites(testBase, c).DeleteUserInvites(ctx, "u-a", []string{"a@example.com"})
		}},
		{"DeleteWorkspaceInvites", func(c collection) (int, error) {
			return newInvites(testBase, c).DeleteWorkspaceInvites(ctx, "ws-a")
		}},
		{"MFAEraseUser", func(c collection) (int, error) { return 0, newMFA(testBase, c).EraseUser(ctx, "u-a") }},
		{"MFAPutPending", func(c collection) (int, error) {
			return 0, newMFA(testBase, c).PutPending(ctx, "u-a", []byte("sealed"))
		}},
		{"UserTokens", func(c collection) (int, error) {
			got, err := newTokens(testBase, c).UserTokens(ctx, "u-a")
			return len(got), err
		}},
		{"DeleteUserTokens", func(c collection) (int, error) { return newTokens(testBase, c).DeleteUserTokens(ctx, "u-a") }},
		{"UserMemberships", func(c collection) (int, error) {
			got, err := newTestTenancy(c, c, c).UserMemberships(ctx, "u-a")
			return len(got), err
		}},
		{"Roles", func(c collection) (int, error) {
			got, err := newRoles(testBase, c).Roles(ctx, "ws-a")
			return len(got), err
		}},
		{"DeleteRole", func(c collection) (int, error) { return 0, newRoles(testBase, c).DeleteRole(ctx, "ws-a", "support") }},
		{"RateLimitReset", func(c collection) (int, error) { return 0, newRateLimits(testBase, c).Reset(ctx, "k") }},
		{"AuditChain", func(c collection) (int, error) {
			got, err := newAudit(testBase, c).Chain(ctx, "ws-a", 0, 10)
			return len(got), err
		}},
		{"SubjectKeyDestroy", func(c collection) (int, error) { return 0, newSubjectKeys(testBase, c, nil).Destroy(ctx, "u-a") }},
	}
	sentinels := []error{tenancy.ErrNotFound, tenancy.ErrConflict, tenancy.ErrLastOwner, mfa.ErrNotFound, mfa.ErrConflict, problem.ErrInvalidToken, audit.ErrKeyNotFound, audit.ErrSubjectErased}
	for _, op := range ops {
		for _, f := range faults {
			t.Run(op.name+"/"+f.name, func(t *testing.T) {
				n, err := op.run(failing(f.err))
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrUnavailable)
				assert.Zero(t, n, "no count on failure")
				for _, s := range sentinels {
					assert.NotErrorIs(t, err, s)
				}
			})
		}
	}
}

// A duplicate key or a write conflict from a privacy deletion is not an
// answer the method expects: it fails closed too.
func TestPrivacyDeletionsUnexpectedErrorsFailClosed(t *testing.T) {
	ctx := context.Background()
	for _, in := range []error{dupKey("_id_"), errConflictTx} {
		_, err := newInvites(testBase, failing(in)).DeleteUserInvites(ctx, "u-a", nil)
		assert.ErrorIs(t, err, ErrUnavailable)
		_, err = newTokens(testBase, failing(in)).DeleteUserTokens(ctx, "u-a")
		assert.ErrorIs(t, err, ErrUnavailable)
		assert.ErrorIs(t, newMFA(testBase, failing(in)).EraseUser(ctx, "u-a"), ErrUnavailable)
	}
}

// deleteColls scripts the three collections of an audited deletion: the
// workspace answers the compare-and-set with doc (nil: a miss) and a
// re-read with cur (nil: not found).
func deleteColls(doc, cur bson.D) (ws, mem, owners *fakeColl) {
	ws = &fakeColl{reply: func(c call, _ int) (any, updateResult, error) {
		switch c.Op {
		case "FindOneAndUpdate":
			if doc == nil {
				return nil, updateResult{}, nil
			}
			return doc, updateResult{}, nil
		case "FindOne":
			if cur == nil {
				return nil, updateResult{}, nil
			}
			return cur, updateResult{}, nil
		}
		return nil, updateResult{Matched: 1}, nil
	}}
	return ws, &fakeColl{}, &fakeColl{}
}

func wsDoc(pending string, since time.Time) bson.D {
	d := bson.D{{Key: "_id", Value: "ws-a"}, {Key: "ownerId", Value: "u-a"}, {Key: "status", Value: "active"}, {Key: "version", Value: int64(3)}}
	if pending != "" {
		d = append(d, bson.E{Key: "pending", Value: pending}, bson.E{Key: "pendingSince", Value: since})
	}
	return d
}

func TestDeleteWorkspaceAudited(t *testing.T) {
	ctx := context.Background()
	markFilter := pendingFilter("ws-a", 3, pendingDelete)

	t.Run("MarkAppendDelete", func(t *testing.T) {
		ws, mem, owners := deleteColls(wsDoc(pendingDelete, t0), nil)
		sink := &recSink{}
		sink.seen = func() {
			assert.Equal(t, []string{"FindOneAndUpdate"}, ws.ops(), "the mark is set before the append")
			assert.Empty(t, mem.ops(), "nothing deleted before the record is appended")
		}
		require.NoError(t, newTestTenancy(ws, mem, owners).DeleteWorkspaceAudited(ctx, privWS, privEv, sink))
		require.Len(t, sink.evs, 1)
		assert.Equal(t, updateWorkspaceFilter(privWS), ws.calls[0].Filter, "compare-and-set on version, no pending write")
		assert.Equal(t, []string{"FindOneAndUpdate", "DeleteOne"}, ws.ops())
		assert.Equal(t, markFilter, ws.calls[1].Filter, "the workspace is deleted only under its own mark")
		assert.Equal(t, []string{"DeleteMany"}, mem.ops())
		assert.Equal(t, bson.D{{Key: "workspace", Value: "ws-a"}}, mem.calls[0].Filter)
		assert.Equal(t, []string{"DeleteOne"}, owners.ops())
	})

	t.Run("FailedAppendDropsTheMarkOnly", func(t *testing.T) {
		ws, mem, owners := deleteColls(wsDoc(pendingDelete, t0), nil)
		err := newTestTenancy(ws, mem, owners).DeleteWorkspaceAudited(ctx, privWS, privEv, &recSink{err: audit.ErrUnavailable})
		assert.ErrorIs(t, err, audit.ErrUnavailable)
		assert.Equal(t, []string{"FindOneAndUpdate", "UpdateOne"}, ws.ops())
		assert.Equal(t, markFilter, ws.calls[1].Filter)
		assert.Equal(t, bson.D{{Key: "$unset", Value: bson.D{{Key: "pending", Value: ""}, {Key: "pendingSince", Value: ""}}}}, ws.calls[1].Update)
		assert.Empty(t, mem.ops(), "no membership deleted")
		assert.Empty(t, owners.ops(), "owners guard untouched")
	})

	t.Run("StaleVersionIsConflictAndAppendsNothing", func(t *testing.T) {
		ws, mem, owners := deleteColls(nil, wsDoc("", time.Time{}))
		sink := &recSink{}
		err := newTestTenancy(ws, mem, owners).DeleteWorkspaceAudited(ctx, privWS, privEv, sink)
		assert.ErrorIs(t, err, tenancy.ErrConflict)
		assert.Empty(t, sink.evs)
		assert.Empty(t, mem.ops())
	})

	t.Run("AbsentIsNotFound", func(t *testing.T) {
		ws, mem, owners := deleteColls(nil, nil)
		sink := &recSink{}
		err := newTestTenancy(ws, mem, owners).DeleteWorkspaceAudited(ctx, privWS, privEv, sink)
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
		assert.Empty(t, sink.evs)
	})

	t.Run("ConcurrentDeletionInFlightIsConflict", func(t *testing.T) {
		ws, mem, owners := deleteColls(nil, wsDoc(pendingDelete, t0.Add(-time.Second)))
		err := newTestTenancy(ws, mem, owners).DeleteWorkspaceAudited(ctx, privWS, privEv, &recSink{})
		assert.ErrorIs(t, err, tenancy.ErrConflict)
		assert.Empty(t, mem.ops(), "a live writer's deletion is not finished by another")
	})

	t.Run("AbandonedDeletionIsFinishedByTheNextWriter", func(t *testing.T) {
		gone := false
		ws := &fakeColl{}
		ws.reply = func(c call, _ int) (any, updateResult, error) {
			switch c.Op {
			case "FindOneAndUpdate":
				return nil, updateResult{}, nil
			case "FindOne":
				if gone {
					return nil, updateResult{}, nil
				}
				return wsDoc(pendingDelete, t0.Add(-2*pendingStaleAfter)), updateResult{}, nil
			case "DeleteOne":
				gone = true
			}
			return nil, updateResult{Matched: 1}, nil
		}
		mem, owners := &fakeColl{}, &fakeColl{}
		sink := &recSink{}
		err := newTestTenancy(ws, mem, owners).DeleteWorkspaceAudited(ctx, privWS, privEv, sink)
		assert.ErrorIs(t, err, tenancy.ErrNotFound, "rolled forward: the workspace is gone")
		assert.Empty(t, sink.evs, "the finished deletion was recorded by its own writer")
		assert.Equal(t, []string{"DeleteMany"}, mem.ops())
		assert.Contains(t, ws.ops(), "DeleteOne")
	})

	t.Run("NilSinkRefusedBeforeAnyWrite", func(t *testing.T) {
		ws, mem, owners := deleteColls(wsDoc(pendingDelete, t0), nil)
		err := newTestTenancy(ws, mem, owners).DeleteWorkspaceAudited(ctx, privWS, privEv, nil)
		assert.ErrorIs(t, err, audit.ErrUnavailable)
		assert.Empty(t, ws.ops())
	})

	t.Run("MembershipDeleteFailsClosed", func(t *testing.T) {
		ws, _, owners := deleteColls(wsDoc(pendingDelete, t0), nil)
		mem := failing(errNetwork)
		err := newTestTenancy(ws, mem, owners).DeleteWorkspaceAudited(ctx, privWS, privEv, &recSink{})
		assert.ErrorIs(t, err, ErrUnavailable)
		assert.Equal(t, []string{"FindOneAndUpdate"}, ws.ops(), "the marked workspace stays for the roll-forward")
	})
}

func TestUserInvitesFilterShape(t *testing.T) {
	assert.JSONEq(t, `{"v":{"$or":[{"invitedBy":"u-a"},{"acceptedBy":"u-a"},{"email":{"$in":["a@example.com","b@example.com"]}}]}}`,
		canon(t, userInvitesFilter("u-a", []string{"a@example.com", "b@example.com"})))
	// No email: $in of an empty array matches nothing, never everything.
	assert.JSONEq(t, `{"v":{"$or":[{"invitedBy":"u-a"},{"acceptedBy":"u-a"},{"email":{"$in":[]}}]}}`,
		canon(t, userInvitesFilter("u-a", nil)))
}

// TestAdvisory_PrivacyDeletionsAreScopedToTheSubject: every privacy
// deletion sends exactly one command whose filter names the subject (or
// the workspace), so an empty id cannot become "delete everything" by a
// missing clause.
func TestAdvisory_PrivacyDeletionsAreScopedToTheSubject(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		run  func(c collection) error
		want bson.D
	}{
		{"DeleteUserTokens", func(c collection) error { _, err := newTokens(testBase, c).DeleteUserTokens(ctx, ""); return err },
			bson.D{{Key: "user", Value: ""}}},
		{"DeleteWorkspaceInvites", func(c collection) error {
			_, err := newInvites(testBase, c).DeleteWorkspaceInvites(ctx, "")
			return err
		}, bson.D{{Key: "workspace", Value: ""}}},
		{"MFAEraseUser", func(c collection) error { return newMFA(testBase, c).EraseUser(ctx, "") }, bson.D{{Key: "_id", Value: ""}}},
		{"DeleteUserInvites", func(c collection) error {
			_, err := newInvites(testBase, c).DeleteUserInvites(ctx, "", nil)
			return err
		}, userInvitesFilter("", nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeColl{}
			require.NoError(t, tc.run(c))
			require.Len(t, c.calls, 1, "one command")
			assert.Equal(t, tc.want, c.calls[0].Filter)
		})
	}
}

// The counts the privacy service reports come from the server's answer.
func TestPrivacyDeletionCounts(t *testing.T) {
	ctx := context.Background()
	c := &fakeColl{reply: func(call, int) (any, updateResult, error) { return nil, updateResult{Matched: 7}, nil }}
	n, err := newTokens(testBase, c).DeleteUserTokens(ctx, "u-a")
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	n, err = newInvites(testBase, c).DeleteUserInvites(ctx, "u-a", nil)
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	n, err = newInvites(testBase, c).DeleteWorkspaceInvites(ctx, "ws-a")
	require.NoError(t, err)
	assert.Equal(t, 7, n)
}
