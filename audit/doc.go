// Package audit is tenantgate's append-only, tamper-evident audit trail.
//
// Every Event belongs to one workspace chain (events with no workspace go to
// the platform chain). A Sink appends an event and links it to the previous
// one of its chain by Seq and PrevHash; Hash is SHA-256 over a documented
// canonical encoding, so Verify detects an edited, deleted, reordered or
// inserted record. There is no update or delete anywhere in the package or
// its backends.
package audit
