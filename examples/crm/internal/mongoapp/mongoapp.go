// Package mongoapp puts the reference server on MongoDB: the library's
// stores from mongostore, and the example's own data (accounts and
// sessions, contacts, sealed channel settings) in four collections of the
// same database. It is the only part of the example that imports the
// MongoDB driver.
//
// Each method is one command whose atomicity the server guarantees for a
// single document: a unique index on users.email makes two concurrent
// registrations of one address yield one account; verification and
// password changes are updates conditional on the address; channel
// settings are replaced with a compare-and-set on their version. Sessions
// carry a TTL index on expiresAt for clean-up only: the server checks
// expiry itself against its clock.
package mongoapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tenantgate/tenantgate/examples/crm/internal/app"
	"github.com/tenantgate/tenantgate/mongostore"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Collection names of the example's own data.
const (
	CollUsers    = "crm_users"
	CollSessions = "crm_sessions"
	CollContacts = "crm_contacts"
	CollChannels = "crm_channels"
)

// Open opens the library's stores with mongostore.Open (indexes created
// idempotently) and the example's own collections, and returns them as
// app.Stores.
func Open(ctx context.Context, db *mongo.Database, opts ...mongostore.Option) (app.Stores, error) {
	ms, err := mongostore.Open(ctx, db, opts...)
	if err != nil {
		return app.Stores{}, err
	}
	if err := createIndexes(ctx, db); err != nil {
		return app.Stores{}, err
	}
	return app.Stores{
		Tenancy: ms.Workspaces, Roles: ms.Roles, Invites: ms.Invites, InviteCodes: ms.InviteCodes,
		Audit: ms.Audit, SubjectKeys: ms.SubjectKeys, RateLimits: ms.RateLimits, MFA: ms.MFA, Tokens: ms.Tokens,
		Accounts: &Accounts{users: db.Collection(CollUsers), sessions: db.Collection(CollSessions)},
		Contacts: &Contacts{c: db.Collection(CollContacts)},
		Channels: &Channels{c: db.Collection(CollChannels)},
	}, nil
}

func createIndexes(ctx context.Context, db *mongo.Database) error {
	for coll, models := range map[string][]mongo.IndexModel{
		CollUsers: {{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true)}},
		CollSessions: {
			{Keys: bson.D{{Key: "expiresAt", Value: 1}}, Options: options.Index().SetExpireAfterSeconds(0)},
			{Keys: bson.D{{Key: "user", Value: 1}}},
		},
		CollContacts: {{Keys: bson.D{{Key: "workspace", Value: 1}, {Key: "id", Value: 1}}, Options: options.Index().SetUnique(true)}},
	} {
		if _, err := db.Collection(coll).Indexes().CreateMany(ctx, models); err != nil {
			return fmt.Errorf("mongoapp: indexes of %s: %w", coll, err)
		}
	}
	return nil
}

// ---- accounts ----

// Accounts is app.AccountStore on MongoDB.
type Accounts struct {
	users, sessions *mongo.Collection
}

var _ app.AccountStore = (*Accounts)(nil)

type userDoc struct {
	ID           string    `bson:"_id"`
	Email        string    `bson:"email"`
	PasswordHash string    `bson:"passwordHash"`
	Verified     bool      `bson:"verified"`
	Operator     bool      `bson:"operator"`
	CreatedAt    time.Time `bson:"createdAt"`
}

func (d userDoc) user() app.User {
	return app.User{ID: tenancy.UserID(d.ID), Email: d.Email, PasswordHash: d.PasswordHash,
		Verified: d.Verified, Operator: d.Operator, CreatedAt: d.CreatedAt}
}

// CreateUser implements app.AccountStore (one insert; the unique index on
// email decides races).
func (s *Accounts) CreateUser(ctx context.Context, u app.User) error {
	_, err := s.users.InsertOne(ctx, userDoc{ID: string(u.ID), Email: u.Email, PasswordHash: u.PasswordHash,
		Verified: u.Verified, Operator: u.Operator, CreatedAt: u.CreatedAt.UTC()})
	if mongo.IsDuplicateKeyError(err) {
		return app.ErrEmailTaken
	}
	return wrap("create user", err)
}

func (s *Accounts) findUser(ctx context.Context, filter bson.D) (app.User, error) {
	var d userDoc
	err := s.users.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return app.User{}, app.ErrNoUser
	}
	if err != nil {
		return app.User{}, wrap("find user", err)
	}
	return d.user(), nil
}

// UserByEmail implements app.AccountStore.
func (s *Accounts) UserByEmail(ctx context.Context, email string) (app.User, error) {
	return s.findUser(ctx, bson.D{{Key: "email", Value: email}})
}

// UserByID implements app.AccountStore.
func (s *Accounts) UserByID(ctx context.Context, id tenancy.UserID) (app.User, error) {
	return s.findUser(ctx, bson.D{{Key: "_id", Value: string(id)}})
}

func (s *Accounts) setIf(ctx context.Context, id tenancy.UserID, email string, set bson.D) error {
	res, err := s.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(id)}, {Key: "email", Value: email}},
		bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return wrap("update user", err)
	}
	if res.MatchedCount == 0 {
		return app.ErrNoUser
	}
	return nil
}

// MarkVerified implements app.AccountStore (one conditional update).
func (s *Accounts) MarkVerified(ctx context.Context, id tenancy.UserID, email string) error {
	return s.setIf(ctx, id, email, bson.D{{Key: "verified", Value: true}})
}

// SetPasswordHash implements app.AccountStore (one conditional update).
func (s *Accounts) SetPasswordHash(ctx context.Context, id tenancy.UserID, email, hash string) error {
	return s.setIf(ctx, id, email, bson.D{{Key: "passwordHash", Value: hash}})
}

// DeleteUser implements app.AccountStore: the sessions go first, so a
// failure in between leaves an account without sessions, never sessions
// without an account.
func (s *Accounts) DeleteUser(ctx context.Context, id tenancy.UserID) error {
	if err := s.DeleteSessions(ctx, id); err != nil {
		return err
	}
	_, err := s.users.DeleteOne(ctx, bson.D{{Key: "_id", Value: string(id)}})
	return wrap("delete user", err)
}

type sessionDoc struct {
	Hash            []byte    `bson:"_id"`
	User            string    `bson:"user"`
	Impersonator    string    `bson:"impersonator,omitempty"`
	ImpersonationID string    `bson:"impersonationId,omitempty"`
	ExpiresAt       time.Time `bson:"expiresAt"`
}

// CreateSession implements app.AccountStore.
func (s *Accounts) CreateSession(ctx context.Context, h app.TokenHash, sess app.Session) error {
	_, err := s.sessions.InsertOne(ctx, sessionDoc{Hash: h[:], User: string(sess.User),
		Impersonator: string(sess.Impersonator), ImpersonationID: sess.ImpersonationID, ExpiresAt: sess.ExpiresAt.UTC()})
	return wrap("create session", err)
}

// SessionByHash implements app.AccountStore.
func (s *Accounts) SessionByHash(ctx context.Context, h app.TokenHash) (app.Session, error) {
	var d sessionDoc
	err := s.sessions.FindOne(ctx, bson.D{{Key: "_id", Value: h[:]}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return app.Session{}, app.ErrNoSession
	}
	if err != nil {
		return app.Session{}, wrap("find session", err)
	}
	return app.Session{User: tenancy.UserID(d.User), Impersonator: tenancy.UserID(d.Impersonator),
		ImpersonationID: d.ImpersonationID, ExpiresAt: d.ExpiresAt}, nil
}

// DeleteSession implements app.AccountStore.
func (s *Accounts) DeleteSession(ctx context.Context, h app.TokenHash) error {
	_, err := s.sessions.DeleteOne(ctx, bson.D{{Key: "_id", Value: h[:]}})
	return wrap("delete session", err)
}

// DeleteSessions implements app.AccountStore.
func (s *Accounts) DeleteSessions(ctx context.Context, user tenancy.UserID) error {
	_, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "user", Value: string(user)}})
	return wrap("delete sessions", err)
}

// ---- contacts ----

// Contacts is app.ContactStore on MongoDB. Every filter names the
// workspace, so a contact id of another workspace matches nothing.
type Contacts struct{ c *mongo.Collection }

var _ app.ContactStore = (*Contacts)(nil)

type contactDoc struct {
	Workspace string `bson:"workspace"`
	ID        string `bson:"id"`
	Name      string `bson:"name"`
	Email     string `bson:"email"`
}

func key(ws tenancy.WorkspaceID, id string) bson.D {
	return bson.D{{Key: "workspace", Value: string(ws)}, {Key: "id", Value: id}}
}

// CreateContact implements app.ContactStore.
func (s *Contacts) CreateContact(ctx context.Context, ws tenancy.WorkspaceID, c app.Contact) error {
	_, err := s.c.InsertOne(ctx, contactDoc{Workspace: string(ws), ID: c.ID, Name: c.Name, Email: c.Email})
	return wrap("create contact", err)
}

// Contact implements app.ContactStore.
func (s *Contacts) Contact(ctx context.Context, ws tenancy.WorkspaceID, id string) (app.Contact, error) {
	var d contactDoc
	err := s.c.FindOne(ctx, key(ws, id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return app.Contact{}, app.ErrNoContact
	}
	if err != nil {
		return app.Contact{}, wrap("find contact", err)
	}
	return app.Contact{ID: d.ID, Name: d.Name, Email: d.Email}, nil
}

// UpdateContact implements app.ContactStore (one findOneAndUpdate).
func (s *Contacts) UpdateContact(ctx context.Context, ws tenancy.WorkspaceID, id string, p app.ContactPatch) (app.Contact, error) {
	set := bson.D{}
	if p.Name != nil {
		set = append(set, bson.E{Key: "name", Value: *p.Name})
	}
	if p.Email != nil {
		set = append(set, bson.E{Key: "email", Value: *p.Email})
	}
	if len(set) == 0 {
		return s.Contact(ctx, ws, id)
	}
	var d contactDoc
	err := s.c.FindOneAndUpdate(ctx, key(ws, id), bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return app.Contact{}, app.ErrNoContact
	}
	if err != nil {
		return app.Contact{}, wrap("update contact", err)
	}
	return app.Contact{ID: d.ID, Name: d.Name, Email: d.Email}, nil
}

// DeleteContact implements app.ContactStore.
func (s *Contacts) DeleteContact(ctx context.Context, ws tenancy.WorkspaceID, id string) error {
	res, err := s.c.DeleteOne(ctx, key(ws, id))
	if err != nil {
		return wrap("delete contact", err)
	}
	if res.DeletedCount == 0 {
		return app.ErrNoContact
	}
	return nil
}

// Contacts implements app.ContactStore: one find on the {workspace, id}
// index.
func (s *Contacts) Contacts(ctx context.Context, ws tenancy.WorkspaceID, after string, limit int) ([]app.Contact, error) {
	cur, err := s.c.Find(ctx, bson.D{{Key: "workspace", Value: string(ws)}, {Key: "id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, wrap("list contacts", err)
	}
	var docs []contactDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("list contacts", err)
	}
	out := make([]app.Contact, 0, len(docs))
	for _, d := range docs {
		out = append(out, app.Contact{ID: d.ID, Name: d.Name, Email: d.Email})
	}
	return out, nil
}

// ---- channels ----

// Channels is app.ChannelStore on MongoDB: one document per workspace,
// replaced with a compare-and-set on its version.
type Channels struct{ c *mongo.Collection }

var _ app.ChannelStore = (*Channels)(nil)

type channelsDoc struct {
	Workspace     string `bson:"_id"`
	Telegram      []byte `bson:"telegram,omitempty"`
	WhatsApp      []byte `bson:"whatsapp,omitempty"`
	Resend        []byte `bson:"resend,omitempty"`
	PhoneNumberID string `bson:"phoneNumberId"`
	From          string `bson:"from"`
	Version       int64  `bson:"version"`
}

// Channels implements app.ChannelStore.
func (s *Channels) Channels(ctx context.Context, ws tenancy.WorkspaceID) (app.SealedChannels, error) {
	var d channelsDoc
	err := s.c.FindOne(ctx, bson.D{{Key: "_id", Value: string(ws)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return app.SealedChannels{}, nil
	}
	if err != nil {
		return app.SealedChannels{}, wrap("find channels", err)
	}
	return app.SealedChannels{Telegram: d.Telegram, WhatsApp: d.WhatsApp, Resend: d.Resend,
		PhoneNumberID: d.PhoneNumberID, From: d.From, Version: d.Version}, nil
}

// PutChannels implements app.ChannelStore: version 0 inserts (a duplicate
// _id means another write won), any other version is a replace filtered
// on it.
func (s *Channels) PutChannels(ctx context.Context, ws tenancy.WorkspaceID, c app.SealedChannels) (app.SealedChannels, error) {
	d := channelsDoc{Workspace: string(ws), Telegram: c.Telegram, WhatsApp: c.WhatsApp, Resend: c.Resend,
		PhoneNumberID: c.PhoneNumberID, From: c.From, Version: c.Version + 1}
	if c.Version == 0 {
		_, err := s.c.InsertOne(ctx, d)
		if mongo.IsDuplicateKeyError(err) {
			return app.SealedChannels{}, app.ErrChannelsChanged
		}
		if err != nil {
			return app.SealedChannels{}, wrap("insert channels", err)
		}
	} else {
		res, err := s.c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: string(ws)}, {Key: "version", Value: c.Version}}, d)
		if err != nil {
			return app.SealedChannels{}, wrap("replace channels", err)
		}
		if res.MatchedCount == 0 {
			return app.SealedChannels{}, app.ErrChannelsChanged
		}
	}
	c.Version++
	return c, nil
}

// wrap prefixes driver errors; their text never reaches a client (the
// server answers 503 unavailable).
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("mongoapp: %s: %w", op, err)
}
