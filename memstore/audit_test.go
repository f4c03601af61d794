package memstore

import (
	"testing"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/storetest"
)

func TestAuditStore(t *testing.T) {
	storetest.RunAuditStore(t, func(*testing.T) audit.Store { return NewAudit() })
}

func TestSubjectKeys(t *testing.T) {
	storetest.RunSubjectKeys(t, func(*testing.T) audit.SubjectKeys { return NewSubjectKeys() })
}
