package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// ErrUnavailable is wrapped by every error of this package that is not one
// of the consuming package's sentinels (tenancy.ErrNotFound,
// audit.ErrUnavailable, …): the server was unreachable or slow (the
// context's deadline passed), or answered with an error the store does not
// expect. Callers fail closed on it (503 unavailable); its text, which
// carries the driver's message for operators' logs, is never written to an
// HTTP body by the library.
var ErrUnavailable = errors.New("mongostore: unavailable")

// Server error codes the stores branch on (MongoDB error codes reference).
const (
	codeDuplicateKey  = 11000
	codeWriteConflict = 112
)

// failure classifies a driver error.
type failure int

const (
	failOther      failure = iota // anything else: unavailable
	failNoDocument                // nothing matched
	failDuplicate                 // unique index violated (E11000)
	failConflict                  // write conflict / transient transaction error
	failTimeout                   // deadline, server selection or socket timeout
	failNetwork                   // connection lost
	failCanceled                  // the caller's context was canceled
)

func classify(err error) failure {
	switch {
	case err == nil:
		return failOther
	case errors.Is(err, mongo.ErrNoDocuments):
		return failNoDocument
	case mongo.IsDuplicateKeyError(err):
		return failDuplicate
	case hasCode(err, codeWriteConflict), hasLabel(err, "TransientTransactionError") && !mongo.IsNetworkError(err) && !mongo.IsTimeout(err):
		return failConflict
	case errors.Is(err, context.Canceled):
		return failCanceled
	case mongo.IsTimeout(err):
		return failTimeout
	case mongo.IsNetworkError(err):
		return failNetwork
	}
	return failOther
}

func hasCode(err error, code int) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCode(code)
}

func hasLabel(err error, label string) bool {
	var le mongo.LabeledError
	return errors.As(err, &le) && le.HasErrorLabel(label)
}

// unavailable wraps err (a driver error) as ErrUnavailable and, when given,
// the consuming package's own unavailable sentinel, naming the operation.
// The driver's error stays in the chain for errors.As and for logs.
func unavailable(op string, err error, also ...error) error {
	kind := "unavailable"
	switch classify(err) {
	case failTimeout:
		kind = "timeout"
	case failNetwork:
		kind = "network error"
	case failCanceled:
		kind = "canceled"
	}
	if len(also) > 0 && also[0] != nil {
		return fmt.Errorf("mongostore: %s: %s: %w: %w: %w", op, kind, ErrUnavailable, also[0], err)
	}
	return fmt.Errorf("mongostore: %s: %s: %w: %w", op, kind, ErrUnavailable, err)
}

// mapErr maps a driver error to the library's sentinels: nothing matched →
// notFound; a unique index violated or a write conflict → conflict;
// everything else → unavailable. A nil sentinel falls through to
// unavailable, so an unexpected outcome never passes as success.
func mapErr(op string, err error, notFound, conflict error) error {
	if err == nil {
		return nil
	}
	switch classify(err) {
	case failNoDocument:
		if notFound != nil {
			return fmt.Errorf("mongostore: %s: %w", op, notFound)
		}
	case failDuplicate, failConflict:
		if conflict != nil {
			// The driver error stays in the chain: inside a transaction its
			// TransientTransactionError label makes WithTransaction retry.
			return fmt.Errorf("mongostore: %s: %w: %w", op, conflict, err)
		}
	}
	return unavailable(op, err)
}

// duplicateIndex returns the name of the unique index a duplicate-key error
// names ("" when err is not one or names none). The server puts the index
// name in the message ("E11000 duplicate key error collection: db.c index:
// ownerId_1 dup key: …") on every supported version.
func duplicateIndex(err error) string {
	if !mongo.IsDuplicateKeyError(err) {
		return ""
	}
	var msgs []string
	var we mongo.WriteException
	if errors.As(err, &we) {
		for _, e := range we.WriteErrors {
			msgs = append(msgs, e.Message)
		}
	}
	var ce mongo.CommandError
	if errors.As(err, &ce) {
		msgs = append(msgs, ce.Message)
	}
	for _, m := range msgs {
		if _, rest, ok := strings.Cut(m, " index: "); ok {
			name, _, _ := strings.Cut(rest, " ")
			return name
		}
	}
	return ""
}
