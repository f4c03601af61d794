// Package storetest holds the conformance suites of tenantgate's store
// interfaces: one exported Run… function per interface, run by every
// backend's own tests (memstore and mongostore run all of them).
//
// The promise: a backend that passes the suite of an interface keeps that
// interface's documented contract, and a backend needs no tests of its own
// for it. Each suite checks the not-found and conflict sentinels, the
// compare-and-set and single-use rules, exact instants at expiry
// boundaries, ordering and paging, and the concurrency guarantees (exactly
// one winner among 20 to 100 goroutines, never more admitted hits than a
// limit), so run it with -race.
//
// Every suite has the shape
//
//	func RunXxxStore(t *testing.T, newStore func(t *testing.T) pkg.Store)
//
// and calls newStore once per subtest: it must return a fresh, empty store
// (a new in-memory value, or a clean database or collection set), and may
// use t for clean-up and for failing the test. Suites never read the wall
// clock: they pass fixed instants (mostly in the past), so a backend must
// decide expiry from the now it is given, never from its own clock. A
// backend with background expiry (MongoDB TTL indexes) must hold it off
// while a suite runs, as mongostore's tests do; no decision may depend on
// it anyway.
//
// Store interfaces and their suites:
//
//	tenancy.WorkspaceStore     RunWorkspaceStore
//	tenancy.MembershipStore    RunMembershipStore
//	tenancy.InviteCodeStore    RunInviteCodeStore
//	team.InviteStore           RunInviteStore
//	team.RoleStore             RunRoleStore
//	audit.Store                RunAuditStore
//	audit.SubjectKeys          RunSubjectKeys
//	ratelimit.Store            RunRateLimitStore
//	mfa.Store                  RunMFAStore
//	verify.Store               RunTokenStore
//	privacy's store methods    RunPrivacyStores
package storetest
