package rbac_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/rbac"
)

func TestCanGrant(t *testing.T) {
	p := hostPolicy(t)
	set := func(role string) rbac.Set { r, ok := p.Role(role); require.True(t, ok); return r.Permissions }
	tests := []struct {
		actor, role string
		want        error
	}{
		{rbac.RoleOwner, rbac.RoleOwner, nil},
		{rbac.RoleOwner, rbac.RoleBilling, nil},
		{rbac.RoleAdmin, rbac.RoleAdmin, nil},
		{rbac.RoleAdmin, rbac.RoleManager, nil},
		{rbac.RoleAdmin, rbac.RoleAuditor, nil},
		{rbac.RoleAdmin, rbac.RoleOwner, rbac.ErrNotHeld},
		{rbac.RoleAdmin, rbac.RoleBilling, rbac.ErrNotHeld},
		{rbac.RoleManager, rbac.RoleAgent, nil},
		{rbac.RoleManager, rbac.RoleViewer, nil},
		{rbac.RoleManager, rbac.RoleManager, rbac.ErrDelegation},
		{rbac.RoleManager, rbac.RoleAuditor, rbac.ErrNotHeld},
		{rbac.RoleManager, rbac.RoleAdmin, rbac.ErrNotHeld},
		{rbac.RoleAgent, rbac.RoleViewer, nil}, // the rule alone; the service also requires invites:write
		{rbac.RoleViewer, rbac.RoleAgent, rbac.ErrNotHeld},
		{rbac.RoleBilling, rbac.RoleViewer, rbac.ErrNotHeld},
	}
	for _, tt := range tests {
		t.Run(tt.actor+" grants "+tt.role, func(t *testing.T) {
			assert.Equal(t, tt.want, p.CanGrant(set(tt.actor), set(tt.role)))
		})
	}
}

func TestCanManageAndChangeOwn(t *testing.T) {
	p := hostPolicy(t)
	set := func(role string) rbac.Set { r, _ := p.Role(role); return r.Permissions }
	assert.NoError(t, p.CanManage(set(rbac.RoleOwner), set(rbac.RoleOwner)))
	assert.ErrorIs(t, p.CanManage(set(rbac.RoleAdmin), set(rbac.RoleOwner)), rbac.ErrOutranked)
	assert.ErrorIs(t, p.CanManage(set(rbac.RoleAdmin), set(rbac.RoleBilling)), rbac.ErrOutranked)
	assert.NoError(t, p.CanManage(set(rbac.RoleAdmin), set(rbac.RoleAgent)))

	assert.NoError(t, rbac.CanChangeOwn(set(rbac.RoleOwner), set(rbac.RoleAdmin)))
	assert.ErrorIs(t, rbac.CanChangeOwn(set(rbac.RoleAdmin), set(rbac.RoleOwner)), rbac.ErrSelfPromotion)
	assert.ErrorIs(t, rbac.CanChangeOwn(set(rbac.RoleAgent), set(rbac.RoleAuditor)), rbac.ErrSelfPromotion)
}
