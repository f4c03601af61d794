package mongostore

import (
	"context"
	"errors"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// call is one command a store sent through the seam.
type call struct {
	Op             string
	Filter, Update any
	Upsert         bool
}

// fakeColl is a scripted collection: each call is recorded and answered by
// reply (nil reply: success with nothing found / matched 1). Replies
// decode a document into out by marshalling doc.
type fakeColl struct {
	mu    sync.Mutex
	calls []call
	reply func(c call, n int) (doc any, res updateResult, err error)
}

func (f *fakeColl) do(c call, out any) (updateResult, error) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	n := len(f.calls)
	reply := f.reply
	f.mu.Unlock()
	if reply == nil {
		return updateResult{Matched: 1}, nil
	}
	doc, res, err := reply(c, n)
	if err != nil {
		return updateResult{}, err
	}
	if out != nil && doc != nil {
		if c.Op == "Find" { // doc is a bson.A of documents
			raw, merr := bson.Marshal(bson.D{{Key: "a", Value: doc}})
			if merr != nil {
				return updateResult{}, merr
			}
			var wrap struct {
				A bson.RawValue `bson:"a"`
			}
			if merr := bson.Unmarshal(raw, &wrap); merr != nil {
				return updateResult{}, merr
			}
			return res, wrap.A.Unmarshal(out)
		}
		b, merr := bson.Marshal(doc)
		if merr != nil {
			return updateResult{}, merr
		}
		return res, bson.Unmarshal(b, out)
	}
	if out != nil && doc == nil && c.Op != "Find" {
		return res, mongo.ErrNoDocuments
	}
	return res, nil
}

func (f *fakeColl) InsertOne(_ context.Context, doc any) error {
	_, err := f.do(call{Op: "InsertOne", Update: doc}, nil)
	return err
}

func (f *fakeColl) FindOne(_ context.Context, filter any, out any) error {
	_, err := f.do(call{Op: "FindOne", Filter: filter}, out)
	return err
}

func (f *fakeColl) FindOneAndUpdate(_ context.Context, filter, update any, upsert bool, out any) error {
	_, err := f.do(call{Op: "FindOneAndUpdate", Filter: filter, Update: update, Upsert: upsert}, out)
	return err
}

func (f *fakeColl) UpdateOne(_ context.Context, filter, update any, upsert bool) (updateResult, error) {
	return f.do(call{Op: "UpdateOne", Filter: filter, Update: update, Upsert: upsert}, nil)
}

func (f *fakeColl) UpdateMany(_ context.Context, filter, update any) (int64, error) {
	r, err := f.do(call{Op: "UpdateMany", Filter: filter, Update: update}, nil)
	return r.Modified, err
}

func (f *fakeColl) DeleteOne(_ context.Context, filter any) (int64, error) {
	r, err := f.do(call{Op: "DeleteOne", Filter: filter}, nil)
	return r.Matched, err
}

func (f *fakeColl) DeleteMany(_ context.Context, filter any) (int64, error) {
	r, err := f.do(call{Op: "DeleteMany", Filter: filter}, nil)
	return r.Matched, err
}

func (f *fakeColl) Find(_ context.Context, filter, _ any, _ int64, out any) error {
	_, err := f.do(call{Op: "Find", Filter: filter}, out)
	return err
}

func (f *fakeColl) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.calls))
	for i, c := range f.calls {
		out[i] = c.Op
	}
	return out
}

// failing answers every call with err.
func failing(err error) *fakeColl {
	return &fakeColl{reply: func(call, int) (any, updateResult, error) { return nil, updateResult{}, err }}
}

// Driver errors as the driver builds them.
var (
	errNetwork    = mongo.CommandError{Code: 6, Name: "HostUnreachable", Message: "connection refused", Labels: []string{"NetworkError"}}
	errTimeout    = mongo.CommandError{Code: 50, Name: "MaxTimeMSExpired", Message: "operation exceeded time limit"}
	errConflictTx = mongo.CommandError{Code: codeWriteConflict, Name: "WriteConflict", Message: "Write conflict during plan execution",
		Labels: []string{"TransientTransactionError"}}
	errSelection = errors.New("server selection error: context deadline exceeded, current topology: { Type: Unknown }")
)

// dupKey is the WriteException of an insert or update that violated index.
func dupKey(index string) error {
	return mongo.WriteException{WriteErrors: []mongo.WriteError{{
		Code:    codeDuplicateKey,
		Message: "E11000 duplicate key error collection: app.c index: " + index + " dup key: { : \"x\" }",
	}}}
}
