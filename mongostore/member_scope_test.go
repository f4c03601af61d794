package mongostore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/tenancy"
)

// eqMatch answers like the server for the string equalities of a filter:
// doc matches when every top-level string-valued condition equals doc's
// field (operator conditions are not modelled and pass).
func eqMatch(filter any, doc bson.D) bool {
	for _, e := range filter.(bson.D) {
		want, ok := e.Value.(string)
		if !ok {
			continue
		}
		found := false
		for _, f := range doc {
			if f.Key == e.Key {
				found = f.Value == want
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// TestAdvisory_MembershipIDCollisionStaysInItsTenant: the membership _id
// is "<workspace>/<user>". The store does not check ids, so a caller whose
// resolver or auth lets a '/' through could ask for workspace "ws-a" and
// user "b/u-1" and meet the _id of user "u-1" in workspace "ws-a/b".
// Every membership read and write also filters on workspace and user, so
// the collision matches nothing.
func TestAdvisory_MembershipIDCollisionStaysInItsTenant(t *testing.T) {
	ctx := context.Background()
	victim := bson.D{{Key: "_id", Value: "ws-a/b/u-1"}, {Key: "workspace", Value: "ws-a/b"}, {Key: "user", Value: "u-1"}, {Key: "role", Value: "admin"}}
	mem := &fakeColl{reply: func(c call, _ int) (any, updateResult, error) {
		if !eqMatch(c.Filter, victim) {
			return nil, updateResult{}, nil
		}
		if c.Op == "FindOne" {
			return victim, updateResult{}, nil
		}
		return nil, updateResult{Matched: 1}, nil
	}}
	s := newTestTenancy(&fakeColl{}, mem, &fakeColl{})
	var ws tenancy.WorkspaceID = "ws-a"
	var user tenancy.UserID = "b/u-1"

	_, err := s.Membership(ctx, ws, user)
	assert.ErrorIs(t, err, tenancy.ErrNotFound, "read")
	err = s.ChangeRole(ctx, ws, user, "admin", "viewer")
	assert.ErrorIs(t, err, tenancy.ErrNotFound, "role change")
	err = s.RemoveMember(ctx, ws, user)
	assert.ErrorIs(t, err, tenancy.ErrNotFound, "removal")

	// The rightful identity still works.
	m, err := s.Membership(ctx, "ws-a/b", "u-1")
	require.NoError(t, err)
	assert.Equal(t, "admin", m.Role)

	// With the cache on, the rightful read fills an entry the colliding
	// pair must not be served.
	s.cache = newMemberCache(time.Minute, 10, &fixedClock{t0})
	_, err = s.Membership(ctx, "ws-a/b", "u-1")
	require.NoError(t, err)
	_, err = s.Membership(ctx, ws, user)
	assert.ErrorIs(t, err, tenancy.ErrNotFound, "cached read")
}
