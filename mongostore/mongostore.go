package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tenantgate/tenantgate/secret"
)

// Collection names.
const (
	CollWorkspaces  = "workspaces"
	CollMemberships = "memberships"
	CollOwners      = "workspace_owners"
	CollAudit       = "audit"
	CollSubjectKeys = "audit_subject_keys"
)

// DefaultOperationTimeout bounds every store operation whose context has no
// deadline of its own, so that an unreachable server never hangs a request.
const DefaultOperationTimeout = 5 * time.Second

// Clock tells the time for the membership cache's expiry and for the age
// of pending audited writes.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// TxMode says whether multi-document writes run in a transaction.
type TxMode int

const (
	// TxAuto (the default) uses transactions when the deployment supports
	// them (a replica set or a sharded cluster, detected by Open with the
	// hello command) and runs the documented standalone sequence otherwise.
	TxAuto TxMode = iota
	// TxNever never starts a transaction, even on a replica set.
	TxNever
	// TxAlways always uses transactions; Open fails on a standalone server.
	TxAlways
)

type config struct {
	opTimeout time.Duration
	txMode    TxMode
	cacheTTL  time.Duration
	cacheSize int
	clock     Clock
	keyring   *secret.Keyring
}

// Option configures Open.
type Option func(*config) error

// WithOperationTimeout sets the timeout applied to operations whose context
// has no deadline (DefaultOperationTimeout by default). It must be positive.
func WithOperationTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("mongostore: operation timeout must be positive")
		}
		c.opTimeout = d
		return nil
	}
}

// WithTransactions sets the transaction mode (TxAuto by default).
func WithTransactions(m TxMode) Option {
	return func(c *config) error {
		if m < TxAuto || m > TxAlways {
			return fmt.Errorf("mongostore: unknown transaction mode %d", m)
		}
		c.txMode = m
		return nil
	}
}

// WithMembershipCache enables an in-process cache of positive membership
// reads (the gate's per-request lookup) holding at most size entries, each
// for at most ttl. Staleness bound: a role change or removal made by
// another process is seen by this one at most ttl later; changes made
// through this Stores value invalidate the entry at once. Without this
// option (the default) every read goes to the server. ttl must be positive
// and at most one minute, size positive.
func WithMembershipCache(ttl time.Duration, size int) Option {
	return func(c *config) error {
		if ttl <= 0 || ttl > time.Minute {
			return errors.New("mongostore: membership cache ttl must be in (0, 1m]")
		}
		if size <= 0 {
			return errors.New("mongostore: membership cache size must be positive")
		}
		c.cacheTTL, c.cacheSize = ttl, size
		return nil
	}
}

// WithClock sets the clock of the membership cache (the system clock by
// default).
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return errors.New("mongostore: nil clock")
		}
		c.clock = clk
		return nil
	}
}

// WithKeyring seals audit subject keys at rest with k (recommended: without
// it the keys are stored in the clear and anyone who can read the database
// can open the personal data of audit events).
func WithKeyring(k *secret.Keyring) Option {
	return func(c *config) error {
		if k == nil {
			return errors.New("mongostore: nil keyring")
		}
		c.keyring = k
		return nil
	}
}

// Stores holds every store of the library, backed by one database.
type Stores struct {
	// Workspaces and Members are the same *Tenancy.
	Workspaces *Tenancy
	Members    *Tenancy
	// Audit is the audit sink and reader.
	Audit *Audit
	// SubjectKeys holds the audit per-subject keys.
	SubjectKeys *SubjectKeys
	// InviteCodes holds the closed-beta invite codes.
	InviteCodes *InviteCodes
	// RateLimits is the rate limiter's store.
	RateLimits *RateLimits
	// Invites and Roles are the team stores.
	Invites *Invites
	Roles   *Roles
	// MFA holds the users' MFA records.
	MFA *MFA
	// Tokens holds email-verification and password-reset tokens.
	Tokens *Tokens
	// Transactions reports whether multi-document writes run in
	// transactions (see TxMode).
	Transactions bool
}

// base is what every store shares.
type base struct {
	timeout time.Duration
}

// ctx bounds ctx by the operation timeout when it has no deadline.
func (b base) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, b.timeout)
}

// IndexSpec describes one index that Open creates.
type IndexSpec struct {
	Collection string
	Name       string
	Keys       bson.D
	Unique     bool
	// TTL marks a TTL index on a date field with expireAfterSeconds 0: the
	// server deletes a document once that date has passed (the monitor runs
	// about once a minute, so no decision depends on it).
	TTL bool
}

// Indexes returns the indexes Open creates, in creation order.
func Indexes() []IndexSpec {
	return []IndexSpec{
		{Collection: CollWorkspaces, Name: idxOwner, Keys: bson.D{{Key: "ownerId", Value: 1}}, Unique: true},
		{Collection: CollWorkspaces, Name: "status_1_createdAt_1__id_1", Keys: bson.D{{Key: "status", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}},
		{Collection: CollWorkspaces, Name: "createdAt_1__id_1", Keys: bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}},
		{Collection: CollMemberships, Name: "workspace_1_user_1", Keys: bson.D{{Key: "workspace", Value: 1}, {Key: "user", Value: 1}}, Unique: true},
		{Collection: CollMemberships, Name: "user_1_workspace_1", Keys: bson.D{{Key: "user", Value: 1}, {Key: "workspace", Value: 1}}},
		{Collection: CollInviteCodes, Name: "label_1__id_1", Keys: bson.D{{Key: "label", Value: 1}, {Key: "_id", Value: 1}}},
		{Collection: CollRateLimits, Name: "expiresAt_1", Keys: bson.D{{Key: "expiresAt", Value: 1}}, TTL: true},
		{Collection: CollInvites, Name: "tokenHash_1", Keys: bson.D{{Key: "tokenHash", Value: 1}}, Unique: true},
		{Collection: CollInvites, Name: "workspace_1_createdAt_1__id_1", Keys: bson.D{{Key: "workspace", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}},
		{Collection: CollInvites, Name: "purgeAt_1", Keys: bson.D{{Key: "purgeAt", Value: 1}}, TTL: true},
		{Collection: CollInvites, Name: "invitedBy_1", Keys: bson.D{{Key: "invitedBy", Value: 1}}},
		{Collection: CollInvites, Name: "acceptedBy_1", Keys: bson.D{{Key: "acceptedBy", Value: 1}}},
		{Collection: CollInvites, Name: "email_1", Keys: bson.D{{Key: "email", Value: 1}}},
		{Collection: CollRoles, Name: "workspace_1_name_1", Keys: bson.D{{Key: "workspace", Value: 1}, {Key: "name", Value: 1}}, Unique: true},
		{Collection: CollTokens, Name: "expiresAt_1", Keys: bson.D{{Key: "expiresAt", Value: 1}}, TTL: true},
		{Collection: CollTokens, Name: "user_1_purpose_1", Keys: bson.D{{Key: "user", Value: 1}, {Key: "purpose", Value: 1}}},
		{Collection: CollAudit, Name: idxAuditSeq, Keys: bson.D{{Key: "workspace", Value: 1}, {Key: "seq", Value: 1}}, Unique: true},
	}
}

// Open prepares db for the library and returns its stores. It creates the
// collections and indexes of Indexes (createIndexes with identical
// specifications is idempotent, so any number of instances may call Open at
// once; an index that exists with a different specification is an error),
// and detects whether the deployment supports transactions. Each step is
// bounded by ctx; an unreachable server fails within ctx's deadline or the
// client's server selection timeout, whichever comes first, with an error
// wrapping ErrUnavailable.
func Open(ctx context.Context, db *mongo.Database, opts ...Option) (*Stores, error) {
	if db == nil {
		return nil, errors.New("mongostore: nil database")
	}
	cfg := config{opTimeout: DefaultOperationTimeout, clock: systemClock{}}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("mongostore: nil option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	b := base{timeout: cfg.opTimeout}
	ctx, cancel := b.ctx(ctx)
	defer cancel()

	txSupported, err := supportsTransactions(ctx, db)
	if err != nil {
		return nil, unavailable("open: hello", err)
	}
	useTx := false
	switch cfg.txMode {
	case TxAuto:
		useTx = txSupported
	case TxAlways:
		if !txSupported {
			return nil, errors.New("mongostore: TxAlways: the deployment is a standalone server, which has no transactions")
		}
		useTx = true
	}
	if err := createCollections(ctx, db, CollOwners, CollSubjectKeys, CollMFA); err != nil {
		return nil, err
	}
	if err := createIndexes(ctx, db, Indexes()); err != nil {
		return nil, err
	}
	tx := noTx
	if useTx {
		tx = clientTx(db.Client())
	}
	coll := func(name string) collection { return driverCollection{db.Collection(name)} }
	t := newTenancy(b, coll(CollWorkspaces), coll(CollMemberships), coll(CollOwners), tx, useTx, cfg.clock)
	if cfg.cacheTTL > 0 {
		t.cache = newMemberCache(cfg.cacheTTL, cfg.cacheSize, cfg.clock)
	}
	return &Stores{
		Workspaces:   t,
		Members:      t,
		Audit:        newAudit(b, coll(CollAudit)),
		SubjectKeys:  newSubjectKeys(b, coll(CollSubjectKeys), cfg.keyring),
		InviteCodes:  newInviteCodes(b, coll(CollInviteCodes)),
		RateLimits:   newRateLimits(b, coll(CollRateLimits)),
		Invites:      newInvites(b, coll(CollInvites)),
		Roles:        newRoles(b, coll(CollRoles)),
		MFA:          newMFA(b, coll(CollMFA)),
		Tokens:       newTokens(b, coll(CollTokens)),
		Transactions: useTx,
	}, nil
}

// supportsTransactions runs hello: a replica set member answers setName, a
// mongos answers msg "isdbgrid"; both support multi-document transactions
// on MongoDB 4.2 and later. A standalone server answers neither.
func supportsTransactions(ctx context.Context, db *mongo.Database) (bool, error) {
	var hello struct {
		SetName string `bson:"setName"`
		Msg     string `bson:"msg"`
	}
	if err := db.RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		return false, err
	}
	return hello.SetName != "" || hello.Msg == "isdbgrid", nil
}

// codeNamespaceExists is the server's answer to creating a collection that
// exists.
const codeNamespaceExists = 48

// createCollections creates the collections that have no index of their
// own (the others are created by createIndexes), so that no transaction
// has to create one implicitly. A collection that exists is fine.
func createCollections(ctx context.Context, db *mongo.Database, names ...string) error {
	for _, n := range names {
		if err := db.CreateCollection(ctx, n); err != nil && !hasCode(err, codeNamespaceExists) {
			return unavailable("open: create collection "+n, err)
		}
	}
	return nil
}

// createIndexes creates specs, one createIndexes command per collection
// (which also creates the collection).
func createIndexes(ctx context.Context, db *mongo.Database, specs []IndexSpec) error {
	byColl := map[string][]mongo.IndexModel{}
	var order []string
	for _, s := range specs {
		o := options.Index().SetName(s.Name)
		if s.Unique {
			o.SetUnique(true)
		}
		if s.TTL {
			o.SetExpireAfterSeconds(0)
		}
		if _, ok := byColl[s.Collection]; !ok {
			order = append(order, s.Collection)
		}
		byColl[s.Collection] = append(byColl[s.Collection], mongo.IndexModel{Keys: s.Keys, Options: o})
	}
	for _, c := range order {
		if _, err := db.Collection(c).Indexes().CreateMany(ctx, byColl[c]); err != nil {
			return createIndexesErr(c, err)
		}
	}
	return nil
}

// Server codes of createIndexes for an index that exists under the same
// name or key pattern with other options or keys.
const (
	codeIndexOptionsConflict  = 85
	codeIndexKeySpecsConflict = 86
)

// ErrIndexConflict is wrapped by Open's error when an index it creates
// exists in the database with the same name or key pattern but other
// options (for example a TTL index created by hand with another
// expireAfterSeconds, or a unique index created non-unique). It is a
// deployment fault, not an outage: retrying does not help. Drop or
// collMod the index named in the error and call Open again.
var ErrIndexConflict = errors.New("mongostore: an index exists with another specification")

// createIndexesErr maps a createIndexes failure on collection c: a
// conflicting existing index is ErrIndexConflict, anything else
// ErrUnavailable. (createIndexes with a specification identical to an
// existing index is a no-op, and one identical to an index being built
// joins that build, so concurrent Opens do not fail here.)
func createIndexesErr(c string, err error) error {
	if hasCode(err, codeIndexOptionsConflict) || hasCode(err, codeIndexKeySpecsConflict) {
		return fmt.Errorf("mongostore: open: create indexes on %s: %w: %w", c, ErrIndexConflict, err)
	}
	return unavailable("open: create indexes on "+c, err)
}
