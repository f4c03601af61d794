// Package mongostore implements the tenantgate store interfaces on MongoDB
// 6.0 and later with the official Go driver (go.mongodb.org/mongo-driver/v2).
//
// Open takes a *mongo.Database (never a URI), creates the collections and
// indexes idempotently and returns every store:
//
//	client, err := mongo.Connect(options.Client().ApplyURI(uri))
//	stores, err := mongostore.Open(ctx, client.Database("app"))
//	g, err := gate.New(gate.Config{Workspaces: stores.Workspaces, Members: stores.Members, …})
//
// Each guarantee rests on one atomic single-document command whose
// argument is written next to it: a compare-and-set is a findOneAndUpdate
// whose filter encodes the precondition; a uniqueness rule is a unique
// index and an insert whose duplicate-key error (code 11000) maps to the
// library's conflict sentinel. Rules that span documents (the last-owner
// guard, a workspace created with its owner) run in a transaction on
// replica sets and sharded clusters and, on a standalone server, in an order
// whose partial failure is conservative (see Tenancy).
//
// Every operation is bounded by its context; a context without a deadline
// gets the operation timeout (DefaultOperationTimeout). Driver errors are
// mapped to the consuming package's sentinels (tenancy.ErrNotFound,
// tenancy.ErrConflict, audit.ErrUnavailable, …) or wrapped as
// ErrUnavailable, which callers turn into 503 unavailable: no driver text
// reaches an HTTP body.
//
// The conformance suites of package storetest run against a real server
// when TENANTGATE_MONGO_URI is set (each test in a database of its own,
// dropped afterwards); fault handling is tested without a server through
// an internal seam over the few collection commands the stores use.
package mongostore
