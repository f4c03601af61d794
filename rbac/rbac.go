package rbac

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// MaxPermissions is the number of distinct permissions a Registry holds.
const MaxPermissions = 256

// Permission is a registered permission. The zero Permission is invalid and
// is never granted.
type Permission uint16

// Set is a set of permissions, a 256-bit bitset. The zero Set is empty.
type Set [MaxPermissions / 64]uint64

// Has reports whether p is in s. The zero Permission is never in a set.
func (s *Set) Has(p Permission) bool {
	return p != 0 && int(p) < MaxPermissions && s[p>>6]&(1<<(p&63)) != 0
}

// Add adds p to s.
func (s *Set) Add(p Permission) {
	if p != 0 && int(p) < MaxPermissions {
		s[p>>6] |= 1 << (p & 63)
	}
}

// Union returns s ∪ o.
func (s Set) Union(o Set) Set {
	for i := range s {
		s[i] |= o[i]
	}
	return s
}

// SubsetOf reports whether every permission of s is in o.
func (s Set) SubsetOf(o Set) bool {
	for i := range s {
		if s[i]&^o[i] != 0 {
			return false
		}
	}
	return true
}

// Library permissions, registered in every Registry.
const (
	WorkspaceRead     = "workspace:read"
	WorkspaceDelete   = "workspace:delete"
	WorkspaceTransfer = "workspace:transfer"
	MembersRead       = "members:read"
	MembersWrite      = "members:write"
	InvitesWrite      = "invites:write"
	SettingsRead      = "settings:read"
	SettingsWrite     = "settings:write"
	ChannelsRead      = "channels:read"
	ChannelsWrite     = "channels:write"
	BillingRead       = "billing:read"
	BillingWrite      = "billing:write"
	AuditRead         = "audit:read"
)

var libraryPermissions = []string{
	WorkspaceRead, WorkspaceDelete, WorkspaceTransfer,
	MembersRead, MembersWrite, InvitesWrite,
	SettingsRead, SettingsWrite, ChannelsRead, ChannelsWrite,
	BillingRead, BillingWrite, AuditRead,
}

// libraryResources are the resources the library owns; every other
// resource is host content.
var libraryResources = map[string]bool{
	"workspace": true, "members": true, "invites": true, "settings": true,
	"channels": true, "billing": true, "audit": true,
}

// Registry assigns indices to permission names. It is safe for concurrent
// use; register everything at start-up, before building a Policy.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]Permission
	names  []string // index → name; names[0] is ""
}

// NewRegistry returns a Registry holding the library's permissions.
func NewRegistry() *Registry {
	r := &Registry{byName: map[string]Permission{}, names: []string{""}}
	for _, n := range libraryPermissions {
		if _, err := r.Register(n); err != nil {
			panic(err) // unreachable: the library's names are valid
		}
	}
	return r
}

// ErrInvalidPermission is returned for a malformed permission name.
var ErrInvalidPermission = errors.New("rbac: invalid permission name")

// Register adds name ("resource:action", lowercase letters, digits, '_' and
// '-', each part 1–32 bytes) and returns its Permission. Registering a name
// twice returns the same Permission.
func (r *Registry) Register(name string) (Permission, error) {
	if !validName(name) {
		return 0, fmt.Errorf("%w: %q", ErrInvalidPermission, name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.byName[name]; ok {
		return p, nil
	}
	if len(r.names) >= MaxPermissions {
		return 0, fmt.Errorf("rbac: more than %d permissions", MaxPermissions-1)
	}
	p := Permission(len(r.names))
	r.names = append(r.names, name)
	r.byName[name] = p
	return p, nil
}

// MustRegister is Register for package-level declarations; it panics on an
// invalid name, at start-up, never at request time.
func (r *Registry) MustRegister(name string) Permission {
	p, err := r.Register(name)
	if err != nil {
		panic(err)
	}
	return p
}

// Lookup returns the Permission registered under name.
func (r *Registry) Lookup(name string) (Permission, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.byName[name]
	return p, ok
}

// Name returns p's name, or "" for an unregistered Permission.
func (r *Registry) Name(p Permission) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if int(p) >= len(r.names) {
		return ""
	}
	return r.names[p]
}

// All returns every registered permission name, sorted.
func (r *Registry) All() []string {
	r.mu.RLock()
	out := append([]string(nil), r.names[1:]...)
	r.mu.RUnlock()
	sort.Strings(out)
	return out
}

// SetOf returns the set of the named permissions; an unknown name is an
// error.
func (r *Registry) SetOf(names ...string) (Set, error) {
	var s Set
	for _, n := range names {
		p, ok := r.Lookup(n)
		if !ok {
			return Set{}, fmt.Errorf("rbac: unknown permission %q", n)
		}
		s.Add(p)
	}
	return s, nil
}

// Names returns the names of s's permissions, sorted.
func (r *Registry) Names(s Set) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for i := 1; i < len(r.names); i++ {
		if s.Has(Permission(i)) {
			out = append(out, r.names[i])
		}
	}
	sort.Strings(out)
	return out
}

func validName(name string) bool {
	res, act, ok := strings.Cut(name, ":")
	return ok && validPart(res) && validPart(act)
}

func validPart(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func isContent(name string) bool {
	res, _, _ := strings.Cut(name, ":")
	return !libraryResources[res]
}

func isRead(name string) bool { return strings.HasSuffix(name, ":read") }
