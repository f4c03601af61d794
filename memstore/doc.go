// Package memstore implements every tenantgate store interface in memory.
// It is the embedded default for single-instance deployments and the fake
// that host applications test with. Every store is safe for concurrent use
// and passes the same storetest conformance suites as the MongoDB backend.
//
// Data lives only as long as the process: nothing is persisted.
package memstore
