package memstore

import (
	"hash/maphash"
	"sort"
	"time"

	"github.com/tenantgate/tenantgate/tenancy"
)

// The membership table holds no Go pointers in its large structures, so the
// garbage collector never scans it: with a million memberships, a table of
// strings would make every GC cycle walk a million pointers, and every
// per-request allocation of the host brings the next cycle closer. Ids are
// interned into a byte arena; memberships are fixed-size records linked
// per workspace and per user.

// idTable interns ids: each distinct id gets a dense number. Ids are never
// forgotten (the table grows with the number of distinct ids ever stored).
type idTable struct {
	seed    maphash.Seed
	byHash  map[uint64]uint32 // hash → number+1 of the first id with that hash
	collide map[string]uint32 // later ids whose hash collided (practically empty)
	arena   []byte
	offs    []uint64 // number → offset<<16 | length
}

func newIDTable() idTable {
	return idTable{seed: maphash.MakeSeed(), byHash: map[uint64]uint32{}, collide: map[string]uint32{}}
}

func (t *idTable) str(n uint32) string {
	o := t.offs[n]
	return string(t.arena[o>>16 : o>>16+o&0xffff])
}

func (t *idTable) equal(n uint32, s string) bool {
	o := t.offs[n]
	return string(t.arena[o>>16:o>>16+o&0xffff]) == s // no allocation: compiler compares in place
}

// lookup returns the number of s. It does not allocate.
func (t *idTable) lookup(s string) (uint32, bool) {
	if n, ok := t.byHash[maphash.String(t.seed, s)]; ok {
		if t.equal(n-1, s) {
			return n - 1, true
		}
		if len(t.collide) > 0 {
			n, ok := t.collide[s]
			return n, ok
		}
	}
	return 0, false
}

// intern returns the number of s, adding it if new. Ids longer than
// 65535 bytes are truncated in the table; callers store canonical ids only.
func (t *idTable) intern(s string) uint32 {
	if n, ok := t.lookup(s); ok {
		return n
	}
	n := uint32(len(t.offs))
	t.offs = append(t.offs, uint64(len(t.arena))<<16|uint64(len(s)&0xffff))
	t.arena = append(t.arena, s...)
	h := maphash.String(t.seed, s)
	if _, taken := t.byHash[h]; taken {
		t.collide[s] = n
	} else {
		t.byHash[h] = n + 1
	}
	return n
}

// memberRec is one membership. next* are record numbers + 1 (0 ends a list).
type memberRec struct {
	ws, user         uint32
	role             uint32
	nextWs, nextUser uint32
	created          int64 // Unix nanoseconds, 0 for the zero time
}

type memberTable struct {
	wsIDs, userIDs idTable
	roles          []string
	roleNum        map[string]uint32
	recs           []memberRec
	free           []uint32
	// byPair finds a record with one hash and one map probe: pair hash →
	// record number + 1. A record whose pair hash is already taken goes to
	// collide, keyed by ws<<32|user, which find consults only when the fast
	// path misses (practically never non-empty).
	byPair   map[uint64]uint32
	collide  map[uint64]uint32
	headWs   map[uint32]uint32 // ws → first record + 1
	headUser map[uint32]uint32
	owners   map[uint32]int32 // ws → number of owners
}

func newMemberTable() memberTable {
	return memberTable{
		wsIDs: newIDTable(), userIDs: newIDTable(), roleNum: map[string]uint32{},
		byPair: map[uint64]uint32{}, collide: map[uint64]uint32{}, headWs: map[uint32]uint32{}, headUser: map[uint32]uint32{},
		owners: map[uint32]int32{},
	}
}

func (t *memberTable) role(name string) uint32 {
	if n, ok := t.roleNum[name]; ok {
		return n
	}
	n := uint32(len(t.roles))
	t.roles = append(t.roles, name)
	t.roleNum[name] = n
	return n
}

func (t *memberTable) pairHash(ws, user string) uint64 {
	return maphash.String(t.wsIDs.seed, ws) ^ maphash.String(t.userIDs.seed, user)*0x9e3779b97f4a7c15
}

// find returns the record number of (ws, user). It does not allocate.
func (t *memberTable) find(ws tenancy.WorkspaceID, user tenancy.UserID) (uint32, bool) {
	if r, ok := t.byPair[t.pairHash(string(ws), string(user))]; ok {
		rec := &t.recs[r-1]
		if t.wsIDs.equal(rec.ws, string(ws)) && t.userIDs.equal(rec.user, string(user)) {
			return r - 1, true
		}
	}
	if len(t.collide) == 0 {
		return 0, false
	}
	w, ok := t.wsIDs.lookup(string(ws))
	if !ok {
		return 0, false
	}
	u, ok := t.userIDs.lookup(string(user))
	if !ok {
		return 0, false
	}
	r, ok := t.collide[uint64(w)<<32|uint64(u)]
	return r, ok
}

// get returns record r as a Membership. ws and user are passed back in by
// the caller when it has them, to avoid allocating their strings.
func (t *memberTable) get(r uint32, ws tenancy.WorkspaceID, user tenancy.UserID) tenancy.Membership {
	rec := &t.recs[r]
	if ws == "" {
		ws = tenancy.WorkspaceID(t.wsIDs.str(rec.ws))
	}
	if user == "" {
		user = tenancy.UserID(t.userIDs.str(rec.user))
	}
	m := tenancy.Membership{Workspace: ws, User: user, Role: t.roles[rec.role]}
	if rec.created != 0 {
		m.CreatedAt = time.Unix(0, rec.created).UTC()
	}
	return m
}

func (t *memberTable) isOwner(r uint32) bool { return t.roles[t.recs[r].role] == tenancy.RoleOwner }

// add stores m; the caller checked it is absent.
func (t *memberTable) add(m tenancy.Membership) {
	w, u := t.wsIDs.intern(string(m.Workspace)), t.userIDs.intern(string(m.User))
	rec := memberRec{ws: w, user: u, role: t.role(m.Role), nextWs: t.headWs[w], nextUser: t.headUser[u]}
	if !m.CreatedAt.IsZero() {
		rec.created = m.CreatedAt.UnixNano()
	}
	var r uint32
	if n := len(t.free); n > 0 {
		r, t.free = t.free[n-1], t.free[:n-1]
		t.recs[r] = rec
	} else {
		r = uint32(len(t.recs))
		t.recs = append(t.recs, rec)
	}
	if h := t.pairHash(string(m.Workspace), string(m.User)); t.byPair[h] == 0 {
		t.byPair[h] = r + 1
	} else {
		t.collide[uint64(w)<<32|uint64(u)] = r
	}
	t.headWs[w] = r + 1
	t.headUser[u] = r + 1
	if m.Role == tenancy.RoleOwner {
		t.owners[w]++
	}
}

// remove deletes record r, unlinking it from both lists.
func (t *memberTable) remove(r uint32) {
	rec := t.recs[r]
	if t.isOwner(r) {
		t.owners[rec.ws]--
	}
	if h := t.pairHash(t.wsIDs.str(rec.ws), t.userIDs.str(rec.user)); t.byPair[h] == r+1 {
		delete(t.byPair, h)
	} else {
		delete(t.collide, uint64(rec.ws)<<32|uint64(rec.user))
	}
	unlink(t.headWs, rec.ws, r, t.recs, func(x *memberRec) *uint32 { return &x.nextWs })
	unlink(t.headUser, rec.user, r, t.recs, func(x *memberRec) *uint32 { return &x.nextUser })
	t.recs[r] = memberRec{}
	t.free = append(t.free, r)
}

func unlink(heads map[uint32]uint32, key, r uint32, recs []memberRec, next func(*memberRec) *uint32) {
	p := heads[key]
	if p == r+1 {
		if n := *next(&recs[r]); n != 0 {
			heads[key] = n
		} else {
			delete(heads, key)
		}
		return
	}
	for p != 0 {
		np := next(&recs[p-1])
		if *np == r+1 {
			*np = *next(&recs[r])
			return
		}
		p = *np
	}
}

// setRole changes record r's role, keeping the owner count.
func (t *memberTable) setRole(r uint32, role string) {
	rec := &t.recs[r]
	if t.isOwner(r) {
		t.owners[rec.ws]--
	}
	rec.role = t.role(role)
	if role == tenancy.RoleOwner {
		t.owners[rec.ws]++
	}
}

func (t *memberTable) ownerCount(ws uint32) int32 { return t.owners[ws] }

// ofWorkspace returns ws's memberships with user > after, ordered by user.
func (t *memberTable) ofWorkspace(ws tenancy.WorkspaceID, after tenancy.UserID, limit int) []tenancy.Membership {
	w, ok := t.wsIDs.lookup(string(ws))
	if !ok {
		return []tenancy.Membership{}
	}
	var out []tenancy.Membership
	for p := t.headWs[w]; p != 0; p = t.recs[p-1].nextWs {
		m := t.get(p-1, ws, "")
		if m.User > after {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].User < out[j].User })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	if out == nil {
		out = []tenancy.Membership{}
	}
	return out
}

// ofUser returns user's memberships ordered by workspace.
func (t *memberTable) ofUser(user tenancy.UserID) []tenancy.Membership {
	u, ok := t.userIDs.lookup(string(user))
	out := []tenancy.Membership{}
	if !ok {
		return out
	}
	for p := t.headUser[u]; p != 0; p = t.recs[p-1].nextUser {
		out = append(out, t.get(p-1, "", user))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Workspace < out[j].Workspace })
	return out
}
