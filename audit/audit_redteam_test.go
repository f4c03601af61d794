package audit_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
)

// rehashFrom rewrites evs from index i on into a self-consistent chain, as
// an attacker with write access to the store (and no secret: the chain is
// keyless) can.
func rehashFrom(evs []audit.Event, i int) []audit.Event {
	for j := i; j < len(evs); j++ {
		if j > 0 {
			evs[j].PrevHash = evs[j-1].Hash
		}
		evs[j].Hash = audit.HashOf(evs[j])
	}
	return evs
}

// Attacks on Verify by someone who can write the store.
func TestAttack_VerifyForgeries(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		edit   func([]audit.Event) []audit.Event
		seq    uint64
		reason string
	}{
		{"first record deleted", func(ev []audit.Event) []audit.Event { return ev[1:] }, 1, "seq"},
		{"first record deleted, rest renumbered but not rehashed", func(ev []audit.Event) []audit.Event {
			ev = ev[1:]
			for i := range ev {
				ev[i].Seq--
			}
			return ev
		}, 1, "prev_hash"},
		{"first record re-anchored on a fake predecessor", func(ev []audit.Event) []audit.Event {
			ev[0].PrevHash = audit.HashOf(ev[4])
			return rehashFrom(ev, 0)
		}, 1, "prev_hash"},
		{"chain starting at seq 0", func(ev []audit.Event) []audit.Event {
			for i := range ev {
				ev[i].Seq--
			}
			return rehashFrom(ev, 0)
		}, 1, "seq"},
		{"record of another workspace spliced in and rehashed", func(ev []audit.Event) []audit.Event {
			ev[2].Workspace = "ws_victim"
			return rehashFrom(ev, 2)
		}, 3, "workspace"},
		{"middle record edited, only its own hash recomputed", func(ev []audit.Event) []audit.Event {
			ev[1].Outcome = audit.OutcomeSuccess
			ev[1].Actor = "u_innocent"
			ev[1].Hash = audit.HashOf(ev[1])
			return ev
		}, 3, "prev_hash"},
		{"hash spelled in upper case", func(ev []audit.Event) []audit.Event {
			b := []byte(ev[3].Hash)
			for i, c := range b {
				if c >= 'a' && c <= 'f' {
					b[i] = c - 'a' + 'A'
				}
			}
			ev[3].Hash = string(b)
			return ev
		}, 4, "hash"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.VerifySeq(ctx, seqOf(tc.edit(chainOf(t, 5)), nil), "ws")
			var bl *audit.BrokenLinkError
			require.ErrorAs(t, err, &bl)
			assert.Equal(t, tc.seq, bl.Seq)
			assert.Equal(t, tc.reason, bl.Reason)
		})
	}
}

// Documented limit: the chain is keyless, so a writer who cuts the newest
// records, or edits one and rehashes every later record, leaves a chain
// that verifies. Only a Head published earlier (an anchor) exposes it; this
// test pins both the limit and the anchor check.
func TestAttack_SuffixRewriteNeedsAnAnchor(t *testing.T) {
	ctx := context.Background()
	anchor, err := audit.VerifySeq(ctx, seqOf(chainOf(t, 5), nil), "ws")
	require.NoError(t, err)

	t.Run("truncated suffix", func(t *testing.T) {
		head, err := audit.VerifySeq(ctx, seqOf(chainOf(t, 5)[:3], nil), "ws")
		require.NoError(t, err, "undetectable without an anchor")
		assert.Less(t, head.Seq, anchor.Seq, "the anchor shows it")
	})
	t.Run("edited and rehashed to the end", func(t *testing.T) {
		ev := chainOf(t, 5)
		ev[2].Actor = "u_innocent"
		head, err := audit.VerifySeq(ctx, seqOf(rehashFrom(ev, 2), nil), "ws")
		require.NoError(t, err, "undetectable without an anchor")
		assert.Equal(t, anchor.Seq, head.Seq)
		assert.NotEqual(t, anchor.Hash, head.Hash, "the anchor shows it")
	})
}

// Attack: a cursor obtained on workspace A, replayed on workspace B, reads
// nothing of A.
func TestAttack_CursorFromAnotherWorkspace(t *testing.T) {
	ctx := context.Background()
	store := memstore.NewAudit()
	trail, err := audit.New(audit.Config{Store: store, Clock: audit.ClockFunc(func() time.Time { return t0 }), DropPersonalData: true})
	require.NoError(t, err)
	for i := range 6 {
		for _, ws := range []string{"ws_a", "ws_b"} {
			_, err := trail.Append(ctx, audit.Event{Workspace: ws, Actor: "u_" + ws, Action: audit.ActionRequest,
				Outcome: audit.OutcomeSuccess, Target: audit.Target{Type: "n", ID: string(rune('0' + i))}})
			require.NoError(t, err)
		}
	}
	pageA, err := store.Query(ctx, audit.Query{Workspace: "ws_a", Limit: 2})
	require.NoError(t, err)
	require.NotEmpty(t, pageA.NextCursor)
	pageB, err := store.Query(ctx, audit.Query{Workspace: "ws_b", Limit: 50, Cursor: pageA.NextCursor})
	require.NoError(t, err)
	require.NotEmpty(t, pageB.Events)
	for _, e := range pageB.Events {
		assert.Equal(t, "ws_b", e.Workspace)
		assert.Equal(t, "u_ws_b", e.Actor)
	}
}

// Attack: spell a credential's metadata key or value so that redaction
// misses it.
func TestAttack_RedactionSpellings(t *testing.T) {
	secretKeys := []string{
		"PassWord", "PASSWORD", "pass_word", "Pass-Word", "pass word", "pwd", "X-Api-Key", "x_api_key",
		"API_KEY", "apiKEY", "refresh-token", "clientSecret", "OTP", "mfa_code", "Recovery-Codes",
		"p\u200bassword", "pass\u00adword", "\u200epassword", "ｐａｓｓｗｏｒｄ", "ＡＰＩ＿ＫＥＹ", "tok\u2060en",
	}
	for _, k := range secretKeys {
		t.Run("key "+k, func(t *testing.T) {
			assert.True(t, audit.IsSecretKey(k))
			e, err := audit.Link(audit.Head{}, audit.Event{Time: t0, Action: audit.ActionRequest, Outcome: audit.OutcomeSuccess,
				Metadata: map[string]string{k: "CANARY-hunter2"}})
			require.NoError(t, err)
			assert.Equal(t, audit.Redacted, e.Metadata[k])
		})
	}
	secretValues := []string{"Bearer abc.def", "bearer\tabc", "BEARER  abc", "Basic\u00a0dXNlcjpwYXNz", "  basic x", "OTPAUTH://totp/x?secret=AB"}
	for _, v := range secretValues {
		t.Run("value "+v, func(t *testing.T) {
			e, err := audit.Link(audit.Head{}, audit.Event{Time: t0, Action: audit.ActionRequest, Outcome: audit.OutcomeSuccess,
				Metadata: map[string]string{"header": v}})
			require.NoError(t, err)
			assert.Equal(t, audit.Redacted, e.Metadata["header"])
		})
	}
	for _, k := range []string{"role", "reason", "basic_plan", "keyboard"} {
		assert.False(t, audit.IsSecretKey(k), k)
	}
	e, err := audit.Link(audit.Head{}, audit.Event{Time: t0, Action: audit.ActionRequest, Outcome: audit.OutcomeSuccess,
		Metadata: map[string]string{"plan": "basic", "mode": "bearer-less"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"plan": "basic", "mode": "bearer-less"}, e.Metadata, "plain words are not credentials")
	assert.True(t, audit.IsPersonalKey("ｅｍａｉｌ"), "full-width personal key")
}

// Attack: write free text into the immutable chain, in clear and beyond
// the reach of erasure, through the client-chosen X-Request-Id header.
// Only id-shaped values are recorded; the query string and body never are.
func TestAttack_RecorderStoresNoClientFreeText(t *testing.T) {
	cases := map[string]string{
		"uuid":              "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		"ulid":              "01ARZ3NDEKTSV4RRFFQ69G5FAV",
		"trace id":          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"email":             "",
		"sentence":          "",
		"CRLF":              "",
		"too long":          "",
		"bearer credential": "",
	}
	headers := map[string]string{
		"uuid": "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "ulid": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
		"trace id": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"email":    "victim.canary@example.com", "sentence": "this stays forever", "CRLF": "req\r\nforged",
		"too long": strings.Repeat("a", 129), "bearer credential": "Bearer CANARY-TOKEN",
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			st := memstore.NewAudit()
			trail, err := audit.New(audit.Config{Store: st, Clock: &fixedClock{t0}, Keys: memstore.NewSubjectKeys()})
			require.NoError(t, err)
			h := newRecorder(t, trail, audit.DenialsSensitive).Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusCreated)
			}))
			req := httptest.NewRequest(http.MethodPost, "/api/crm/contacts?note=victim.canary@example.com", strings.NewReader(`{"email":"victim.canary@example.com"}`))
			req.Header.Set("X-Request-Id", headers[name])
			h.ServeHTTP(httptest.NewRecorder(), req)
			evs := readAll(t, st, "ws_1")
			require.Len(t, evs, 1)
			assert.Equal(t, want, evs[0].RequestID)
			b, err := json.Marshal(evs[0])
			require.NoError(t, err)
			assert.NotContains(t, string(b), "canary")
			assert.NotContains(t, string(b), "stays forever")
		})
	}
}
