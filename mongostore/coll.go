package mongostore

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// errNoDocument is what a collection returns when a single-document read or
// findOneAndUpdate matched nothing (mongo.ErrNoDocuments from the driver).
var errNoDocument = mongo.ErrNoDocuments

// updateResult is the part of a driver UpdateResult the stores use.
type updateResult struct {
	Matched  int64
	Modified int64
	Upserted bool
}

// collection is the seam between the stores and the driver: the few
// collection commands the stores use, each exactly one round trip (one
// server command) except Find, which is one round trip per batch (every
// Find here carries a limit no larger than one batch). Tests substitute a
// fake to inject network errors, timeouts, duplicate keys and write
// conflicts without a server.
type collection interface {
	// InsertOne runs insert with one document.
	InsertOne(ctx context.Context, doc any) error
	// FindOne runs find with limit 1 and decodes the document into out;
	// errNoDocument when nothing matched.
	FindOne(ctx context.Context, filter any, out any) error
	// FindOneAndUpdate runs findAndModify returning the document after the
	// update, decoded into out; errNoDocument when nothing matched (and
	// upsert is false).
	FindOneAndUpdate(ctx context.Context, filter, update any, upsert bool, out any) error
	// UpdateOne runs update with one statement (multi: false).
	UpdateOne(ctx context.Context, filter, update any, upsert bool) (updateResult, error)
	// UpdateMany runs update with one statement (multi: true) and returns
	// the number of documents modified.
	UpdateMany(ctx context.Context, filter, update any) (int64, error)
	// DeleteOne runs delete with one statement (limit: 1).
	DeleteOne(ctx context.Context, filter any) (int64, error)
	// DeleteMany runs delete with one statement (limit: 0) and returns the
	// number of documents deleted.
	DeleteMany(ctx context.Context, filter any) (int64, error)
	// Find runs find with sort and limit (0: none) and decodes every
	// document into out, a pointer to a slice. With a limit it is one
	// round trip; without, one per batch.
	Find(ctx context.Context, filter, sort any, limit int64, out any) error
}

// driverCollection adapts *mongo.Collection to collection.
type driverCollection struct{ c *mongo.Collection }

var _ collection = driverCollection{}

func (d driverCollection) InsertOne(ctx context.Context, doc any) error {
	_, err := d.c.InsertOne(ctx, doc)
	return err
}

func (d driverCollection) FindOne(ctx context.Context, filter any, out any) error {
	return d.c.FindOne(ctx, filter).Decode(out)
}

func (d driverCollection) FindOneAndUpdate(ctx context.Context, filter, update any, upsert bool, out any) error {
	o := options.FindOneAndUpdate().SetReturnDocument(options.After).SetUpsert(upsert)
	return d.c.FindOneAndUpdate(ctx, filter, update, o).Decode(out)
}

func (d driverCollection) UpdateOne(ctx context.Context, filter, update any, upsert bool) (updateResult, error) {
	r, err := d.c.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(upsert))
	if err != nil {
		return updateResult{}, err
	}
	return updateResult{Matched: r.MatchedCount, Modified: r.ModifiedCount, Upserted: r.UpsertedCount > 0}, nil
}

func (d driverCollection) UpdateMany(ctx context.Context, filter, update any) (int64, error) {
	r, err := d.c.UpdateMany(ctx, filter, update)
	if err != nil {
		return 0, err
	}
	return r.ModifiedCount, nil
}

func (d driverCollection) DeleteOne(ctx context.Context, filter any) (int64, error) {
	r, err := d.c.DeleteOne(ctx, filter)
	if err != nil {
		return 0, err
	}
	return r.DeletedCount, nil
}

func (d driverCollection) DeleteMany(ctx context.Context, filter any) (int64, error) {
	r, err := d.c.DeleteMany(ctx, filter)
	if err != nil {
		return 0, err
	}
	return r.DeletedCount, nil
}

func (d driverCollection) Find(ctx context.Context, filter, sort any, limit int64, out any) error {
	o := options.Find().SetSort(sort)
	if limit > 0 {
		// batchSize = limit: the whole result comes back in the first
		// reply, one round trip, no getMore, no cursor left open.
		o.SetLimit(limit).SetBatchSize(int32(min(limit, 1<<30)))
	}
	cur, err := d.c.Find(ctx, filter, o)
	if err != nil {
		return err
	}
	return cur.All(ctx, out)
}

// txRunner runs fn so that its writes commit together or not at all when
// the deployment supports multi-document transactions, and runs it as is
// otherwise (see Open and the package documentation).
type txRunner func(ctx context.Context, fn func(ctx context.Context) error) error

// noTx runs fn without a transaction.
func noTx(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }

// clientTx returns a txRunner that runs fn in a transaction of client
// (Session.WithTransaction: retried on TransientTransactionError and
// UnknownTransactionCommitResult until ctx's deadline).
func clientTx(client *mongo.Client) txRunner {
	return func(ctx context.Context, fn func(ctx context.Context) error) error {
		sess, err := client.StartSession()
		if err != nil {
			return unavailable("start session", err)
		}
		defer sess.EndSession(context.WithoutCancel(ctx))
		var fnErr error
		_, err = sess.WithTransaction(ctx, func(sc context.Context) (any, error) {
			fnErr = fn(sc)
			return nil, fnErr
		})
		if err != nil && (fnErr == nil || !errors.Is(err, fnErr)) {
			// The commit failed, or the retries ran out of time: not an
			// answer of fn, so the outcome is unknown to the caller.
			return unavailable("transaction", err)
		}
		return err
	}
}
