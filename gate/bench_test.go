package gate_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

var (
	benchOnce  sync.Once
	benchStore *memstore.Tenancy
)

// benchTenancy holds 100k workspaces and 1M memberships (10 per
// workspace); w0 is trialing, w1 is on a paid plan.
func benchTenancy() *memstore.Tenancy {
	benchOnce.Do(func() {
		s := memstore.NewTenancy()
		ctx := context.Background()
		for i := range 100_000 {
			ws := tenancy.WorkspaceID(fmt.Sprintf("ws-%06d", i))
			w := tenancy.Workspace{ID: ws, Name: "bench", Status: tenancy.StatusActive, OwnerID: tenancy.UserID(fmt.Sprintf("u-%07d", i*10)), TrialEndsAt: time.Now().Add(24 * time.Hour)}
			if i%2 == 1 {
				w.Plan = "pro"
			}
			if err := s.CreateWorkspace(ctx, w, tenancy.Membership{User: w.OwnerID, Role: rbac.RoleOwner}); err != nil {
				panic(err)
			}
			for j := 1; j < 10; j++ {
				if err := s.AddMember(ctx, tenancy.Membership{Workspace: ws, User: tenancy.UserID(fmt.Sprintf("u-%07d", i*10+j)), Role: rbac.RoleAgent}); err != nil {
					panic(err)
				}
			}
		}
		benchStore = s
	})
	return benchStore
}

func benchSetup(b *testing.B, wrap bool, ws, user string) (http.Handler, *http.Request) {
	store := benchTenancy()
	reg := rbac.NewRegistry()
	write := reg.MustRegister("contacts:write")
	policy, _ := rbac.NewPolicy(reg)
	g, err := gate.New(gate.Config{
		Workspaces: store, Members: store, Policy: policy, Clock: gate.SystemClock,
		Resolve: tenancy.FromHeader("X-Workspace-ID"),
	})
	if err != nil {
		b.Fatal(err)
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	if wrap {
		h = g.Require(write)(h)
	}
	r := httptest.NewRequest("POST", "/api/crm/contacts", nil)
	r.Header.Set("X-Workspace-ID", ws)
	r = r.WithContext(tenancy.WithPrincipal(r.Context(), tenancy.Principal{User: tenancy.UserID(user), EmailVerified: true}))
	return h, r
}

// discard is a ResponseWriter that allocates nothing, so the benchmark
// measures the chain, not the recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkChain compares a bare handler with the full chain (identity,
// verified email, workspace header, membership, approval, trial,
// permission) over 100k workspaces and 1M memberships.
func BenchmarkChain(b *testing.B) {
	for _, c := range []struct {
		name     string
		wrap     bool
		ws, user string
	}{
		{"bare", false, "ws-012345", "u-0123453"},
		{"gate/paid", true, "ws-012345", "u-0123453"},
		{"gate/trialing", true, "ws-012344", "u-0123443"},
	} {
		h, r := benchSetup(b, c.wrap, c.ws, c.user)
		b.Run(c.name+"/serial", func(b *testing.B) {
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &discard{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					h.ServeHTTP(w, r)
				}
			})
		})
	}
}

// BenchmarkFloor is what net/http forces on any middleware that hands a
// handler a value: one Request copy with a context carrying it. The chain's
// own cost is BenchmarkChain minus this.
func BenchmarkFloor(b *testing.B) {
	type holder struct {
		context.Context
		t tenancy.Tenant
	}
	_, r := benchSetup(b, false, "ws-012345", "u-0123453")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r.WithContext(&holder{Context: r.Context(), t: tenancy.Tenant{}}))
	}
}
