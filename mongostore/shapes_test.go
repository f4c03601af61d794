package mongostore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/tenancy"
)

// canon renders a document as canonical extended JSON for comparison.
func canon(t *testing.T, v any) string {
	t.Helper()
	b, err := bson.MarshalExtJSON(bson.D{{Key: "v", Value: v}}, false, false)
	require.NoError(t, err)
	return string(b)
}

func TestTakePipelineShape(t *testing.T) {
	got := canon(t, takePipeline(100_000_000_000, 60_000_000_000, 3))
	want := `{"v":[` +
		`{"$set":{"_kept":{"$slice":[{"$sortArray":{"input":{"$filter":{"input":{"$ifNull":["$hitsNs",[]]},"cond":{"$gt":["$$this",40000000000]}}},"sortBy":1}},-3]}}},` +
		`{"$set":{"admitted":{"$lt":[{"$size":"$_kept"},3]}}},` +
		`{"$set":{"hitsNs":{"$cond":["$admitted",{"$sortArray":{"input":{"$concatArrays":["$_kept",[100000000000]]},"sortBy":1}},"$_kept"]}}},` +
		`{"$set":{"expiresAt":{"$toDate":{"$add":[{"$divide":[{"$max":[100000000000,{"$last":"$hitsNs"}]},1000000]},360000]}}}},` +
		`{"$unset":["_kept","hits"]}]}`
	assert.JSONEq(t, want, got)
}

// The numbers of the pipeline are BSON int64 (or int32 for n), never
// doubles or strings: $slice needs an integral count, the comparisons in
// $filter and $max must be numeric against the stored int64 hits.
func TestTakePipelineNumberTypes(t *testing.T) {
	raw, err := bson.Marshal(bson.D{{Key: "p", Value: takePipeline(1_700_000_000_123_456_789, int64(time.Minute), 5)}})
	require.NoError(t, err)
	p := bson.Raw(raw).Lookup("p")
	cut := p.Array().Index(0).Document().Lookup("$set", "_kept", "$slice", "0", "$sortArray", "input", "$filter", "cond", "$gt", "1")
	assert.Equal(t, bson.TypeInt64, cut.Type)
	assert.Equal(t, int64(1_700_000_000_123_456_789-int64(time.Minute)), cut.Int64())
	n := p.Array().Index(0).Document().Lookup("$set", "_kept", "$slice", "1")
	assert.Contains(t, []bson.Type{bson.TypeInt32, bson.TypeInt64}, n.Type)
	appended := p.Array().Index(2).Document().Lookup("$set", "hitsNs", "$cond", "1", "$sortArray", "input", "$concatArrays", "1", "0")
	assert.Equal(t, bson.TypeInt64, appended.Type)
	assert.Equal(t, int64(1_700_000_000_123_456_789), appended.Int64(), "the hit keeps its nanoseconds")
}

func TestRateState(t *testing.T) {
	cases := []struct {
		name       string
		hits       []int64
		now, w     int64
		n          int
		wantCount  int
		wantOldest int64
	}{
		{"Empty", nil, 100, 10, 3, 0, 0},
		{"AllInWindow", []int64{95, 97, 100}, 100, 10, 3, 3, 95},
		{"WindowIsHalfOpen", []int64{90, 95}, 100, 10, 3, 1, 95},
		{"NewestNOnly", []int64{91, 92, 93, 94}, 100, 10, 2, 2, 93},
		{"FutureHitCounts", []int64{99, 105}, 100, 10, 3, 2, 99},
		{"SubMillisecondBoundary", []int64{999_999, 1_500_000}, 1_001_000_000, 1_000_000_000, 3, 1, 1_500_000}, // in milliseconds both would have left
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := state(tc.hits, tc.now, tc.w, tc.n, false)
			assert.Equal(t, tc.wantCount, st.Count)
			if tc.wantCount > 0 {
				assert.Equal(t, time.Unix(0, tc.wantOldest).UTC(), st.Oldest)
			} else {
				assert.True(t, st.Oldest.IsZero())
			}
		})
	}
}

func TestUncountOwnerFilterShape(t *testing.T) {
	assert.JSONEq(t, `{"v":{"_id":"ws-a","owners":"u-1","owners.1":{"$exists":true}}}`, canon(t, uncountOwnerFilter("ws-a", "u-1")))
	assert.JSONEq(t, `{"v":{"$pull":{"owners":"u-1"}}}`, canon(t, uncountOwnerUpdate("u-1")))
	assert.JSONEq(t, `{"v":{"_id":"ws-a/u-1","workspace":"ws-a","user":"u-1","role":"agent"}}`, canon(t, setRoleFilter("ws-a", "u-1", "agent")))
}

func TestUpdateWorkspaceFilterRequiresVersionAndNoPending(t *testing.T) {
	ws := tenancy.Workspace{ID: "ws-a", Version: 4}
	assert.JSONEq(t, `{"v":{"_id":"ws-a","version":4,"pending":{"$exists":false}}}`, canon(t, updateWorkspaceFilter(ws)))
}

// TestAdvisory_PipelineValuesAreLiterals: a workspace named like a field
// path ("$owners") or an operator must be stored as text, never evaluated
// by the update pipeline.
func TestAdvisory_PipelineValuesAreLiterals(t *testing.T) {
	ws := tenancy.Workspace{ID: "ws-a", Name: "$owners", Plan: "$$ROOT", OwnerID: "u-a", Status: tenancy.StatusActive, Version: 1}
	p := pendingUpdatePipeline(ws, time.Unix(0, 0))
	require.Len(t, p, 1)
	set := p[0].(bson.D)[0].Value.(bson.D)
	byKey := map[string]any{}
	for _, e := range set {
		byKey[e.Key] = e.Value
	}
	assert.Equal(t, bson.D{{Key: "$literal", Value: "$owners"}}, byKey["name"])
	assert.Equal(t, bson.D{{Key: "$literal", Value: "$$ROOT"}}, byKey["plan"])
	assert.Equal(t, pendingUpdate, byKey["pending"])
	prev := byKey["prev"].(bson.D)
	assert.Equal(t, bson.E{Key: "name", Value: "$name"}, prev[0], "prev holds the stored value")
	assert.Len(t, prev, len(workspaceFieldNames))
}

func TestRevertPipelineRestoresEverySavedField(t *testing.T) {
	p := revertPipeline()
	set := p[0].(bson.D)[0].Value.(bson.D)
	require.Len(t, set, len(workspaceFieldNames))
	for i, f := range workspaceFieldNames {
		assert.Equal(t, bson.E{Key: f, Value: "$prev." + f}, set[i])
	}
	assert.Equal(t, bson.D{{Key: "$unset", Value: bson.A{"prev", "pending", "pendingSince"}}}, p[1])
}

func TestRedeemFilterShape(t *testing.T) {
	h := tenancy.HashInviteCode("code-code")
	f := redeemFilter(h, time.UnixMilli(5000).UTC())
	assert.Equal(t, bson.E{Key: "_id", Value: h[:]}, f[0])
	got := canon(t, bson.D{f[1]})
	assert.JSONEq(t, `{"v":{"$and":[`+
		`{"$or":[{"expiresAt":{"$exists":false}},{"expiresAt":{"$gt":{"$date":"1970-01-01T00:00:05Z"}}}]},`+
		`{"$or":[{"maxUses":-1},{"$expr":{"$lt":["$uses","$maxUses"]}}]}]}}`, got)
}

// TestAdvisory_SearchIsNotARegex: the operator console's search text is
// quoted before it becomes a $regex, so ".*" matches only itself and a
// catastrophic pattern cannot be sent.
func TestAdvisory_SearchIsNotARegex(t *testing.T) {
	f := listFilter(tenancy.WorkspaceQuery{Search: ".*(a+)+$"})
	got := canon(t, f)
	assert.Contains(t, got, `"$regex":"\\.\\*\\(a\\+\\)\\+\\$"`)
	assert.Contains(t, got, `"$options":"i"`)
}

func TestListFilterPagePosition(t *testing.T) {
	at := time.UnixMilli(7000).UTC()
	f := listFilter(tenancy.WorkspaceQuery{Status: tenancy.StatusActive, AfterCreatedAt: at, AfterID: "ws-b"})
	assert.JSONEq(t, `{"v":{"status":"active","$and":[{"$or":[`+
		`{"createdAt":{"$gt":{"$date":"1970-01-01T00:00:07Z"}}},`+
		`{"createdAt":{"$date":"1970-01-01T00:00:07Z"},"_id":{"$gt":"ws-b"}}]}]}}`, canon(t, f))
	assert.Equal(t, bson.D{}, listFilter(tenancy.WorkspaceQuery{}))
}

func TestIndexesDeclareTheGuarantees(t *testing.T) {
	want := map[string]bool{ // collection/name → unique
		CollWorkspaces + "/" + idxOwner:         true,
		CollMemberships + "/workspace_1_user_1": true,
		CollAudit + "/" + idxAuditSeq:           true,
		CollRateLimits + "/expiresAt_1":         false,
	}
	found := map[string]IndexSpec{}
	for _, s := range Indexes() {
		found[s.Collection+"/"+s.Name] = s
	}
	for k, unique := range want {
		s, ok := found[k]
		require.True(t, ok, k)
		assert.Equal(t, unique, s.Unique, k)
	}
	assert.True(t, found[CollRateLimits+"/expiresAt_1"].TTL)
}
