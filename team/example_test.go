package team_test

import (
	"context"
	"fmt"

	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
)

// A manager invites an agent; the invitee accepts with a verified account
// whose address matches. The manager cannot invite an admin, and the
// token cannot be used twice.
func ExampleService_Invite() {
	env, err := gatetest.NewEnv(gatetest.Config{})
	if err != nil {
		panic(err)
	}
	t := exampleT{}
	ws := env.Workspace(t, env.User(t))
	manager := env.Member(t, ws.ID, rbac.RoleManager)
	ctx := context.Background()

	_, err = env.Team.Invite(ctx, manager.Principal(), ws.ID, "root@example.com", rbac.RoleAdmin)
	fmt.Println("invite an admin:", problem.From(err).Code)

	issued, err := env.Team.Invite(ctx, manager.Principal(), ws.ID, "Ann@Example.com", rbac.RoleAgent)
	if err != nil {
		panic(err)
	}
	ann := env.User(t, gatetest.Email("ann@example.com"))
	m, err := env.Team.AcceptInvite(ctx, ann.Principal(), ann.Email, issued.Token)
	fmt.Println("accepted as:", m.Role, err)

	_, err = env.Team.AcceptInvite(ctx, ann.Principal(), ann.Email, issued.Token)
	fmt.Println("replay:", problem.From(err).Code)
	// Output:
	// invite an admin: permission_denied
	// accepted as: agent <nil>
	// replay: invalid_token
}

type exampleT struct{}

func (exampleT) Helper()                           {}
func (exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
