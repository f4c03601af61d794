package audit

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// ErrTampered is matched (errors.Is) by every *BrokenLinkError.
var ErrTampered = errors.New("audit: chain broken")

// BrokenLinkError reports the first link of a chain that does not verify.
type BrokenLinkError struct {
	// Workspace is the chain verified.
	Workspace string
	// Seq is the position where the chain broke: the Seq the next event
	// should have had.
	Seq uint64
	// ID and GotSeq identify the offending event as stored.
	ID     string
	GotSeq uint64
	// Reason says which check failed: "workspace", "seq" (a record deleted,
	// reordered or inserted), "prev_hash" (the previous record changed,
	// was deleted or a record was inserted before this one) or "hash" (the
	// record itself was edited).
	Reason string
}

// Error implements error. It carries no event content.
func (e *BrokenLinkError) Error() string {
	return fmt.Sprintf("audit: chain %q broken at seq %d (event seq %d): %s mismatch", e.Workspace, e.Seq, e.GotSeq, e.Reason)
}

// Is makes errors.Is(err, ErrTampered) true.
func (e *BrokenLinkError) Is(target error) bool { return target == ErrTampered }

// verifyBatch is the page size Verify reads with.
const verifyBatch = 1000

// Verify walks workspace's chain through r from its first event and returns
// the Head it verified. It fails with a *BrokenLinkError (errors.Is
// ErrTampered) at the first event whose workspace, Seq, PrevHash or Hash does
// not follow from its predecessor, and with the Reader's error if reading
// fails.
//
// A chain proves that no record was edited, deleted, reordered or inserted
// before its Head; to detect truncation of the newest records too, compare the
// returned Head with one published earlier (an anchor). The chain has no
// key: a writer who edits a record and recomputes every later hash leaves
// a chain that verifies, which only such an anchor exposes.
func Verify(ctx context.Context, r Reader, workspace string) (Head, error) {
	return VerifySeq(ctx, chainSeq(ctx, r, workspace), workspace)
}

func chainSeq(ctx context.Context, r Reader, workspace string) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		var after uint64
		for {
			batch, err := r.Chain(ctx, workspace, after, verifyBatch)
			if err != nil {
				yield(Event{}, err)
				return
			}
			if len(batch) == 0 {
				return
			}
			for _, e := range batch {
				if !yield(e, nil) {
					return
				}
			}
			last := batch[len(batch)-1].Seq
			if last <= after { // a backend that does not advance: stop, Verify reports it
				return
			}
			after = last
		}
	}
}

// VerifySeq is Verify over events given in chain order (ascending Seq, as
// stored), for backups and exports. It stops at the first error of events.
func VerifySeq(ctx context.Context, events iter.Seq2[Event, error], workspace string) (Head, error) {
	var head Head
	var buf []byte
	for e, err := range events {
		if err != nil {
			return head, fmt.Errorf("audit: verify: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return head, err
		}
		broken := func(reason string) error {
			return &BrokenLinkError{Workspace: workspace, Seq: head.Seq + 1, ID: e.ID, GotSeq: e.Seq, Reason: reason}
		}
		want := head.Hash
		if head.Seq == 0 {
			want = GenesisHash
		}
		switch {
		case e.Workspace != workspace:
			return head, broken("workspace")
		case e.Seq != head.Seq+1:
			return head, broken("seq")
		case e.PrevHash != want:
			return head, broken("prev_hash")
		}
		buf = AppendCanonical(buf[:0], e)
		if hashHex(buf) != e.Hash {
			return head, broken("hash")
		}
		head = Head{Seq: e.Seq, Hash: e.Hash}
	}
	return head, nil
}
