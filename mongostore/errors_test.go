package mongostore

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

func TestMapErr(t *testing.T) {
	cases := []struct {
		name string
		in   error
		want error
		not  []error
	}{
		{"NoDocumentIsNotFound", mongo.ErrNoDocuments, tenancy.ErrNotFound, []error{ErrUnavailable}},
		{"DuplicateKeyIsConflict", dupKey("_id_"), tenancy.ErrConflict, []error{ErrUnavailable}},
		{"WriteConflictIsConflict", errConflictTx, tenancy.ErrConflict, []error{ErrUnavailable}},
		{"NetworkErrorIsUnavailable", errNetwork, ErrUnavailable, []error{tenancy.ErrNotFound, tenancy.ErrConflict}},
		{"MaxTimeIsUnavailable", errTimeout, ErrUnavailable, []error{tenancy.ErrNotFound, tenancy.ErrConflict}},
		{"DeadlineIsUnavailable", fmt.Errorf("wrapped: %w", context.DeadlineExceeded), ErrUnavailable, []error{tenancy.ErrNotFound}},
		{"CanceledIsUnavailable", context.Canceled, ErrUnavailable, []error{tenancy.ErrNotFound}},
		{"ServerSelectionIsUnavailable", errSelection, ErrUnavailable, []error{tenancy.ErrNotFound}},
		{"NetworkWriteConflictLabelIsUnavailable", mongo.CommandError{Labels: []string{"TransientTransactionError", "NetworkError"}}, ErrUnavailable, []error{tenancy.ErrConflict}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := mapErr("op", tc.in, tenancy.ErrNotFound, tenancy.ErrConflict)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			for _, n := range tc.not {
				assert.NotErrorIs(t, err, n)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "mongostore: op"), err.Error())
		})
	}
	assert.NoError(t, mapErr("op", nil, tenancy.ErrNotFound, tenancy.ErrConflict))
}

// A sentinel the caller did not ask for never turns a failure into success
// or into another sentinel: without a notFound sentinel a missing document
// is unavailable.
func TestMapErrWithoutSentinelsFailsClosed(t *testing.T) {
	for _, in := range []error{mongo.ErrNoDocuments, dupKey("_id_"), errConflictTx} {
		assert.ErrorIs(t, mapErr("op", in, nil, nil), ErrUnavailable)
	}
}

func TestWriteConflictKeepsTransientLabelForRetry(t *testing.T) {
	err := mapErr("op", errConflictTx, nil, tenancy.ErrConflict)
	var le mongo.LabeledError
	require.ErrorAs(t, err, &le)
	assert.True(t, le.HasErrorLabel("TransientTransactionError"), "WithTransaction retries on this label")
}

func TestDuplicateIndex(t *testing.T) {
	cases := []struct {
		name string
		in   error
		want string
	}{
		{"WriteException", dupKey("ownerId_1"), "ownerId_1"},
		{"CommandError", mongo.CommandError{Code: 11000, Message: "E11000 duplicate key error collection: a.b index: workspace_1_seq_1 dup key: { workspace: \"w\", seq: 3 }"}, "workspace_1_seq_1"},
		{"Wrapped", fmt.Errorf("x: %w", dupKey("_id_")), "_id_"},
		{"NotDuplicate", errNetwork, ""},
		{"NoIndexInMessage", mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: 11000, Message: "E11000"}}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, duplicateIndex(tc.in)) })
	}
}

// TestAdvisory_DriverTextNeverReachesBody: an error of this package
// rendered by the library's problem writer is 503 unavailable with none of
// the driver's words.
func TestAdvisory_DriverTextNeverReachesBody(t *testing.T) {
	for _, in := range []error{errNetwork, errTimeout, dupKey("ownerId_1"), errSelection} {
		err := mapErr("membership", in, nil, nil)
		rec := httptest.NewRecorder()
		problem.Write(rec, httptest.NewRequest("GET", "/", nil), err)
		assert.Equal(t, 503, rec.Code)
		body := rec.Body.String()
		for _, leak := range []string{"mongostore", "E11000", "connection refused", "MaxTimeMS", "topology", "ownerId"} {
			assert.NotContains(t, body, leak)
		}
		assert.Contains(t, body, `"unavailable"`)
	}
}

func TestUnavailableWrapsConsumerSentinel(t *testing.T) {
	sentinel := errors.New("consumer: unavailable")
	err := unavailable("op", errNetwork, sentinel)
	assert.ErrorIs(t, err, sentinel)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.True(t, mongo.IsNetworkError(err), "the driver error stays in the chain for logs")
	assert.Contains(t, err.Error(), "network error")
}
