package mongostore

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/storetest"
)

// This file holds a small model of the update-pipeline semantics the
// rate limiter relies on, written from the MongoDB manual's operator
// pages (one document; each $set stage computes every field from the
// document as the previous stage left it; $filter's variable defaults to
// "this"; $slice with a negative count takes from the end; $sortArray with
// sortBy 1 sorts numbers ascending; $last of an empty or missing array is
// missing and $max ignores missing; $divide yields a double, which $toDate
// truncates to milliseconds). With it the storetest rate-limit suite runs
// against the very pipeline Take sends, without a server. It proves the
// pipeline's logic under that reading of the manual — not the server's
// implementation, which only a server run (CI) proves.

type evalDoc map[string]any

func evalNum(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func isFloat(v any) bool { _, ok := v.(float64); return ok }

// evalCompare orders two numbers (the only values the pipeline compares).
func evalCompare(a, b any) int {
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if aInt && bInt {
		switch {
		case ai < bi:
			return -1
		case ai > bi:
			return 1
		}
		return 0
	}
	af, _ := evalNum(a)
	bf, _ := evalNum(b)
	switch {
	case af < bf:
		return -1
	case af > bf:
		return 1
	}
	return 0
}

func evalExpr(e any, doc evalDoc, vars map[string]any) (any, error) {
	switch x := e.(type) {
	case string:
		if len(x) > 2 && x[:2] == "$$" {
			return vars[x[2:]], nil
		}
		if len(x) > 1 && x[0] == '$' {
			return doc[x[1:]], nil
		}
		return x, nil
	case int:
		return int64(x), nil
	case int64, float64, bool, time.Time, nil:
		return x, nil
	case bson.A:
		out := make([]any, len(x))
		for i, el := range x {
			v, err := evalExpr(el, doc, vars)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case bson.D:
		if len(x) != 1 {
			return nil, fmt.Errorf("expression with %d keys", len(x))
		}
		return evalOp(x[0].Key, x[0].Value, doc, vars)
	}
	return nil, fmt.Errorf("unsupported value %T", e)
}

// evalArgs evaluates an operator's arguments: a literal array is the
// argument list, anything else one argument (as {$size: "$a"}).
func evalArgs(v any, doc evalDoc, vars map[string]any) ([]any, error) {
	r, err := evalExpr(v, doc, vars)
	if err != nil {
		return nil, err
	}
	if _, lit := v.(bson.A); lit {
		return r.([]any), nil
	}
	return []any{r}, nil
}

func evalField(d bson.D, key string) any {
	for _, e := range d {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

func evalOp(op string, arg any, doc evalDoc, vars map[string]any) (any, error) {
	switch op {
	case "$filter":
		spec := arg.(bson.D)
		in, err := evalExpr(evalField(spec, "input"), doc, vars)
		if err != nil {
			return nil, err
		}
		arr, ok := in.([]any)
		if !ok {
			return nil, fmt.Errorf("$filter input is %T", in)
		}
		out := []any{}
		for _, el := range arr {
			inner := map[string]any{"this": el}
			c, err := evalExpr(evalField(spec, "cond"), doc, inner)
			if err != nil {
				return nil, err
			}
			if c == true {
				out = append(out, el)
			}
		}
		return out, nil
	case "$sortArray":
		spec := arg.(bson.D)
		if evalField(spec, "sortBy") != 1 {
			return nil, fmt.Errorf("sortBy %v", evalField(spec, "sortBy"))
		}
		in, err := evalExpr(evalField(spec, "input"), doc, vars)
		if err != nil {
			return nil, err
		}
		arr := append([]any(nil), in.([]any)...)
		sort.SliceStable(arr, func(i, j int) bool { return evalCompare(arr[i], arr[j]) < 0 })
		return arr, nil
	}
	args, err := evalArgs(arg, doc, vars)
	if err != nil {
		return nil, err
	}
	switch op {
	case "$ifNull":
		if args[0] != nil {
			return args[0], nil
		}
		return args[1], nil
	case "$slice":
		arr, n := args[0].([]any), args[1].(int64)
		if n < 0 {
			if int(-n) >= len(arr) {
				return arr, nil
			}
			return arr[len(arr)+int(n):], nil
		}
		return arr[:min(int(n), len(arr))], nil
	case "$gt":
		return evalCompare(args[0], args[1]) > 0, nil
	case "$lt":
		return evalCompare(args[0], args[1]) < 0, nil
	case "$size":
		return int64(len(args[0].([]any))), nil
	case "$cond":
		if args[0] == true {
			return args[1], nil
		}
		return args[2], nil
	case "$concatArrays":
		out := []any{}
		for _, a := range args {
			out = append(out, a.([]any)...)
		}
		return out, nil
	case "$last":
		arr, _ := args[0].([]any)
		if len(arr) == 0 {
			return nil, nil
		}
		return arr[len(arr)-1], nil
	case "$max":
		var best any
		for _, a := range args {
			if a != nil && (best == nil || evalCompare(a, best) > 0) {
				best = a
			}
		}
		return best, nil
	case "$add":
		var si int64
		var sf float64
		flt := false
		for _, a := range args {
			f, ok := evalNum(a)
			if !ok {
				return nil, fmt.Errorf("$add of %T", a)
			}
			if isFloat(a) {
				flt = true
			} else {
				si += a.(int64)
			}
			sf += f
		}
		if flt {
			return sf, nil
		}
		return si, nil
	case "$divide":
		a, _ := evalNum(args[0])
		b, _ := evalNum(args[1])
		return a / b, nil
	case "$toDate":
		switch v := args[0].(type) {
		case int64:
			return time.UnixMilli(v).UTC(), nil
		case float64:
			return time.UnixMilli(int64(math.Trunc(v))).UTC(), nil
		}
		return nil, fmt.Errorf("$toDate of %T", args[0])
	}
	return nil, fmt.Errorf("operator %s not modelled", op)
}

// evalPipeline applies an update pipeline to doc in place.
func evalPipeline(p bson.A, doc evalDoc) error {
	for _, st := range p {
		stage := st.(bson.D)[0]
		switch stage.Key {
		case "$set":
			for _, f := range stage.Value.(bson.D) {
				v, err := evalExpr(f.Value, doc, nil)
				if err != nil {
					return err
				}
				doc[f.Key] = v
			}
		case "$unset":
			switch u := stage.Value.(type) {
			case string:
				delete(doc, u)
			case bson.A:
				for _, f := range u {
					delete(doc, f.(string))
				}
			}
		default:
			return fmt.Errorf("stage %s not modelled", stage.Key)
		}
	}
	return nil
}

// evalColl is a collection of rate-limit documents that applies every
// findAndModify under one lock — the single-document atomicity the
// manual documents.
type evalColl struct {
	fakeColl
	mu   sync.Mutex
	docs map[string]evalDoc
}

func newEvalColl() *evalColl { return &evalColl{docs: map[string]evalDoc{}} }

func evalID(filter any) string { return filter.(bson.D)[0].Value.(string) }

func (c *evalColl) decode(d evalDoc, out any) error {
	b := bson.D{}
	for k, v := range d {
		b = append(b, bson.E{Key: k, Value: v})
	}
	raw, err := bson.Marshal(b)
	if err != nil {
		return err
	}
	return bson.Unmarshal(raw, out)
}

func (c *evalColl) FindOneAndUpdate(_ context.Context, filter, update any, upsert bool, out any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := evalID(filter)
	d, ok := c.docs[id]
	if !ok {
		if !upsert {
			return errNoDocument
		}
		d = evalDoc{"_id": id}
	}
	next := evalDoc{}
	for k, v := range d {
		next[k] = v
	}
	if err := evalPipeline(update.(bson.A), next); err != nil {
		return err
	}
	c.docs[id] = next
	return c.decode(next, out)
}

func (c *evalColl) FindOne(_ context.Context, filter any, out any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.docs[evalID(filter)]
	if !ok {
		return errNoDocument
	}
	return c.decode(d, out)
}

func (c *evalColl) DeleteOne(_ context.Context, filter any) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := evalID(filter)
	if _, ok := c.docs[id]; !ok {
		return 0, nil
	}
	delete(c.docs, id)
	return 1, nil
}

// TestRateLimitPipelineModelPassesConformance runs the rate-limit
// conformance suite against takePipeline as modelled above.
func TestRateLimitPipelineModelPassesConformance(t *testing.T) {
	storetest.RunRateLimitStore(t, func(t *testing.T) ratelimit.Store {
		return newRateLimits(testBase, newEvalColl())
	})
}

// The model applies the pipeline of a known case as the manual says: the
// expired hit leaves, the new one is appended in order, expiresAt is the
// newest hit plus window and slack, the old millisecond field is dropped.
func TestRateLimitPipelineModelStep(t *testing.T) {
	doc := evalDoc{"_id": "k", "hitsNs": []any{int64(5), int64(50), int64(70)}, "hits": []any{int64(1)}}
	require.NoError(t, evalPipeline(takePipeline(100, 60, 3), doc))
	require.Equal(t, evalDoc{
		"_id": "k", "hitsNs": []any{int64(50), int64(70), int64(100)}, "admitted": true,
		"expiresAt": time.UnixMilli(rateTTLSlack.Milliseconds()).UTC(),
	}, doc)
}
