package rbac

import "strings"

// Matrix is the role × permission table of a Policy, ready to publish. It
// marshals to JSON as
//
//	{"permissions":["audit:read",…],"roles":[{"name":"owner","builtin":true,"permissions":[…]},…]}
type Matrix struct {
	// Permissions is every registered permission, sorted.
	Permissions []string `json:"permissions"`
	// Roles is every role of the policy, built-in roles first.
	Roles []MatrixRole `json:"roles"`
}

// MatrixRole is one column of a Matrix.
type MatrixRole struct {
	Name    string `json:"name"`
	Builtin bool   `json:"builtin"`
	// Permissions is the sorted list of the role's permissions (never nil).
	Permissions []string `json:"permissions"`
}

// Matrix returns the policy's role × permission table.
func (p *Policy) Matrix() Matrix {
	m := Matrix{Permissions: p.reg.All()}
	for _, r := range p.Roles() {
		names := p.reg.Names(r.Permissions)
		if names == nil {
			names = []string{}
		}
		m.Roles = append(m.Roles, MatrixRole{Name: r.Name, Builtin: r.Builtin, Permissions: names})
	}
	return m
}

// Allows reports whether the matrix grants perm to role.
func (m Matrix) Allows(role, perm string) bool {
	for _, r := range m.Roles {
		if r.Name == role {
			for _, p := range r.Permissions {
				if p == perm {
					return true
				}
			}
		}
	}
	return false
}

// Markdown renders the matrix as a GitHub-flavoured Markdown table: one row
// per permission, one column per role, "✓" where the role holds the
// permission.
func (m Matrix) Markdown() string {
	var b strings.Builder
	b.WriteString("| permission |")
	for _, r := range m.Roles {
		b.WriteString(" " + r.Name + " |")
	}
	b.WriteString("\n|---|")
	for range m.Roles {
		b.WriteString(":-:|")
	}
	b.WriteString("\n")
	for _, p := range m.Permissions {
		b.WriteString("| `" + p + "` |")
		for _, r := range m.Roles {
			if m.Allows(r.Name, p) {
				b.WriteString(" ✓ |")
			} else {
				b.WriteString("   |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
