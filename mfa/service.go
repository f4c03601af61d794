package mfa

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"image/png"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/secret"
)

// QRSize is the width and height in pixels of the enrollment QR PNG.
const QRSize = 256

// Factor names what proved the second factor.
type Factor string

// Factors.
const (
	FactorNone     Factor = ""
	FactorTOTP     Factor = "totp"
	FactorRecovery Factor = "recovery_code"
)

// Subject is who is acting: the user whose second factor is used, and,
// for an operator acting as that user, the operator's id. Impersonating
// sessions cannot change MFA. IP and RequestID are copied into audit
// events.
type Subject struct {
	UserID       string
	Impersonator string
	IP           string
	RequestID    string
}

// Result is a successful verification.
type Result struct {
	Factor Factor
	// RecoveryCodesLeft is the number of unused recovery codes after this
	// verification.
	RecoveryCodesLeft int
}

// Status describes a user's MFA record without any secret.
type Status struct {
	Enabled           bool
	Pending           bool
	RecoveryCodesLeft int
	// LockedUntil is set while the second factor is locked.
	LockedUntil time.Time
}

// Service runs MFA for a host. It is safe for concurrent use.
type Service struct {
	cfg    Config
	store  Store
	ring   *secret.Keyring
	clock  Clock
	policy LockPolicy
	opts   hotp.ValidateOpts
	period int64
	rand   randReader
	cache  *seedCache
}

type randReader interface{ Read([]byte) (int, error) }

// New validates cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg:    c,
		store:  c.Store,
		ring:   c.Keyring,
		clock:  c.Clock,
		policy: LockPolicy{After: c.LockAfter, Backoff: c.LockBackoff, MaxBackoff: c.MaxLockBackoff},
		opts:   hotp.ValidateOpts{Digits: otp.Digits(c.Digits), Algorithm: c.Algorithm},
		period: int64(c.Period / time.Second),
		rand:   c.Rand,
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if c.SeedCacheSize > 0 {
		s.cache = &seedCache{max: c.SeedCacheSize, m: make(map[string]cachedSeed)}
	}
	return s, nil
}

// Policy is the lockout policy in force.
func (s *Service) Policy() LockPolicy { return s.policy }

func seedAD(userID string) []byte {
	return append([]byte("tenantgate/mfa/totp-seed\x00"), userID...)
}

var (
	errImpersonating = problem.WithDetail(problem.CodePermissionDenied, "Impersonating sessions cannot change a user's second factor.")
	errNoPending     = problem.WithDetail(problem.CodeConflict, "No enrollment is pending.")
	errEnabled       = problem.WithDetail(problem.CodeConflict, "Two-factor authentication is already enabled.")
)

// Enroll starts (or restarts) an enrollment: a new seed, sealed and stored
// as pending, returned once. accountName labels the entry in the
// authenticator app (usually the email). It fails with conflict when MFA is
// already enabled and permission_denied for impersonating sessions.
func (s *Service) Enroll(ctx context.Context, sub Subject, accountName string) (*Enrollment, error) {
	if sub.UserID == "" || accountName == "" {
		return nil, problem.WithDetail(problem.CodeInvalidRequest, "A user and an account name are required.")
	}
	if sub.Impersonator != "" {
		return nil, errImpersonating
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      s.cfg.Issuer,
		AccountName: accountName,
		Period:      uint(s.period),
		SecretSize:  uint(s.cfg.SecretSize),
		Digits:      s.opts.Digits,
		Algorithm:   s.opts.Algorithm,
		Rand:        s.rand,
	})
	if err != nil {
		return nil, problem.Wrap(problem.CodeUnavailable, errors.New("mfa: generate seed failed"))
	}
	sealed := s.ring.Seal([]byte(key.Secret()), seedAD(sub.UserID))
	if err := s.store.PutPending(ctx, sub.UserID, sealed); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, errEnabled
		}
		return nil, s.storeErr(ctx, "put pending", err)
	}
	img, err := key.Image(QRSize, QRSize)
	if err != nil {
		return nil, problem.Wrap(problem.CodeUnavailable, errors.New("mfa: QR image failed"))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, problem.Wrap(problem.CodeUnavailable, errors.New("mfa: QR encoding failed"))
	}
	return &Enrollment{url: secret.New(key.URL()), png: buf.Bytes()}, nil
}

// Confirm checks a TOTP code against the pending seed; on success MFA is on
// and the first recovery set is returned, once. The code's step counts as
// used. Failures count towards the lockout. Without a pending enrollment,
// or with MFA already on, it answers conflict from a plain read: no attempt
// is counted and nothing is recorded. The change fails closed (see the
// package doc): when its attempted event cannot be recorded, it answers
// unavailable and the store is untouched.
func (s *Service) Confirm(ctx context.Context, sub Subject, code string) (rc RecoveryCodes, err error) {
	if sub.Impersonator != "" {
		return nil, errImpersonating
	}
	if !parseOTP(code, s.cfg.Digits) {
		return nil, problem.ErrInvalidOTP
	}
	cur, err := s.store.Get(ctx, sub.UserID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, errNoPending
	case err != nil:
		return nil, s.storeErr(ctx, "get", err)
	case cur.Enabled:
		return nil, errEnabled
	case cur.PendingSeed == nil:
		return nil, errNoPending
	}
	at, err := s.start(ctx, sub, audit.ActionMFAEnable, FactorTOTP)
	if err != nil {
		return nil, err
	}
	defer func() { s.finish(ctx, sub, at, err, len(rc)) }()

	now := s.clock.Now()
	st, err := s.begin(ctx, sub, now)
	if err != nil {
		if errors.Is(err, problem.ErrInvalidOTP) { // the record vanished
			return nil, errNoPending
		}
		return nil, err
	}
	if st.Enabled { // enabled by a concurrent request since the read
		return nil, errEnabled
	}
	if st.PendingSeed == nil {
		return nil, errNoPending
	}
	pt, err := s.ring.Open(st.PendingSeed, seedAD(sub.UserID))
	if err != nil {
		return nil, s.storeErr(ctx, "open pending seed", err)
	}
	step, ok, replay, err := s.match(string(pt), code, now, st.LastStep)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.fail(ctx, sub, st, now, replay, FactorTOTP)
	}
	codes, hashes := newRecoverySet(s.cfg.RecoveryHash)
	if err := s.store.Enable(ctx, sub.UserID, st.PendingSeed, step, hashes); err != nil {
		if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
			return nil, problem.WithDetail(problem.CodeConflict, "The enrollment changed; start again.")
		}
		return nil, s.storeErr(ctx, "enable", err)
	}
	return codes, nil
}

// Verify checks a second factor: a TOTP code (exactly the configured
// digits) or a recovery code (XXXX-XXXX-XXXX-XXXX). It returns
// invalid_otp for a wrong, malformed or replayed code or a user without
// MFA, and mfa_locked (with RetryAfterSeconds) while locked. A recovery
// code fails closed: when its use cannot be recorded, Verify answers
// unavailable and the code stays usable (see the package doc).
func (s *Service) Verify(ctx context.Context, sub Subject, code string) (Result, error) {
	r, _, err := s.verify(ctx, sub, code)
	return r, err
}

// Authenticate is Verify for a login flow: a user without MFA passes with
// FactorNone whatever code is given; a user with MFA and an empty code gets
// mfa_required.
func (s *Service) Authenticate(ctx context.Context, sub Subject, code string) (Result, error) {
	st, err := s.store.Get(ctx, sub.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && !st.Enabled) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, s.storeErr(ctx, "get", err)
	}
	if code == "" {
		return Result{}, problem.ErrMFARequired
	}
	return s.Verify(ctx, sub, code)
}

// Disable turns MFA off after a step-up with a current TOTP or recovery
// code. Impersonating sessions get permission_denied (audited as denied).
// The change fails closed: when its attempted event cannot be recorded, it
// answers unavailable, MFA stays on and the step-up code is not consumed.
func (s *Service) Disable(ctx context.Context, sub Subject, code string) (err error) {
	if sub.Impersonator != "" {
		return s.deny(ctx, sub, audit.ActionMFADisable)
	}
	f, _, ok := s.parseCode(code)
	if !ok {
		return problem.ErrInvalidOTP
	}
	at, err := s.start(ctx, sub, audit.ActionMFADisable, f)
	if err != nil {
		return err
	}
	defer func() { s.finish(ctx, sub, at, err, -1) }()

	_, st, err := s.verify(ctx, sub, code)
	if err != nil {
		return err
	}
	if err := s.store.Delete(ctx, sub.UserID, st.Seed); err != nil {
		if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
			return problem.ErrConflict
		}
		return s.storeErr(ctx, "delete", err)
	}
	s.cache.drop(sub.UserID)
	return nil
}

// RegenerateRecoveryCodes replaces every recovery code after a step-up with
// a current TOTP or recovery code, and returns the new set, once.
// Impersonating sessions get permission_denied (audited as denied). The
// change fails closed: when its attempted event cannot be recorded, it
// answers unavailable and every old code keeps working.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, sub Subject, code string) (rc RecoveryCodes, err error) {
	if sub.Impersonator != "" {
		return nil, s.deny(ctx, sub, audit.ActionMFARecoveryRegen)
	}
	f, _, ok := s.parseCode(code)
	if !ok {
		return nil, problem.ErrInvalidOTP
	}
	at, err := s.start(ctx, sub, audit.ActionMFARecoveryRegen, f)
	if err != nil {
		return nil, err
	}
	defer func() { s.finish(ctx, sub, at, err, len(rc)) }()

	_, st, err := s.verify(ctx, sub, code)
	if err != nil {
		return nil, err
	}
	codes, hashes := newRecoverySet(s.cfg.RecoveryHash)
	if err := s.store.ReplaceRecoveryCodes(ctx, sub.UserID, st.Seed, hashes); err != nil {
		if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
			return nil, problem.ErrConflict
		}
		return nil, s.storeErr(ctx, "replace recovery codes", err)
	}
	return codes, nil
}

// Status reports a user's MFA state (all false for a user without a
// record).
func (s *Service) Status(ctx context.Context, userID string) (Status, error) {
	st, err := s.store.Get(ctx, userID)
	if errors.Is(err, ErrNotFound) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, s.storeErr(ctx, "get", err)
	}
	out := Status{Enabled: st.Enabled, Pending: st.PendingSeed != nil, RecoveryCodesLeft: len(st.Recovery)}
	if st.LockedUntil.After(s.clock.Now()) {
		out.LockedUntil = st.LockedUntil
	}
	return out, nil
}

// parseCode classifies untrusted input without touching the store: a
// recovery code (returned in canonical form) or a TOTP code; ok is false
// for anything else.
func (s *Service) parseCode(code string) (f Factor, canon string, ok bool) {
	if isRecoveryShape(code) {
		canon, ok = parseRecovery(code)
		return FactorRecovery, canon, ok
	}
	return FactorTOTP, "", parseOTP(code, s.cfg.Digits)
}

// verify is the shared check; it returns the record as read by
// BeginAttempt. Malformed input is refused before the store and the audit.
func (s *Service) verify(ctx context.Context, sub Subject, code string) (Result, State, error) {
	f, canon, ok := s.parseCode(code)
	if !ok {
		return Result{}, State{}, problem.ErrInvalidOTP
	}
	if f == FactorRecovery {
		return s.verifyRecovery(ctx, sub, canon)
	}
	now := s.clock.Now()
	st, err := s.begin(ctx, sub, now)
	if err != nil {
		return Result{}, st, err
	}
	if !st.Enabled {
		return Result{}, st, problem.ErrInvalidOTP
	}
	seed, err := s.openSeed(sub.UserID, st.Seed)
	if err != nil {
		return Result{}, st, s.storeErr(ctx, "open seed", err)
	}
	step, ok, replay, err := s.match(seed, code, now, st.LastStep)
	if err != nil {
		return Result{}, st, err
	}
	if !ok {
		return Result{}, st, s.fail(ctx, sub, st, now, replay, FactorTOTP)
	}
	if err := s.store.AcceptStep(ctx, sub.UserID, st.Seed, step); err != nil {
		if errors.Is(err, ErrConflict) {
			return Result{}, st, s.fail(ctx, sub, st, now, true, FactorTOTP)
		}
		return Result{}, st, s.storeErr(ctx, "accept step", err)
	}
	return Result{Factor: FactorTOTP, RecoveryCodesLeft: len(st.Recovery)}, st, nil
}

// verifyRecovery checks and consumes a recovery code (canonical form). Its
// use is an audited change that fails closed: the attempted event is
// written before the attempt is counted.
func (s *Service) verifyRecovery(ctx context.Context, sub Subject, canon string) (res Result, st State, err error) {
	at, err := s.start(ctx, sub, audit.ActionMFARecoveryUse, FactorRecovery)
	if err != nil {
		return Result{}, State{}, err
	}
	defer func() { s.finish(ctx, sub, at, err, res.RecoveryCodesLeft) }()

	now := s.clock.Now()
	st, err = s.begin(ctx, sub, now)
	if err != nil {
		return Result{}, st, err
	}
	if !st.Enabled {
		return Result{}, st, problem.ErrInvalidOTP
	}
	h, ok := matchRecovery(canon, st.Recovery, s.cfg.RecoveryHash)
	if !ok {
		return Result{}, st, s.fail(ctx, sub, st, now, false, FactorRecovery)
	}
	if err := s.store.UseRecoveryCode(ctx, sub.UserID, h.Index, h.Hash); err != nil {
		if errors.Is(err, ErrConflict) {
			// Used by a concurrent request: a replay.
			return Result{}, st, s.fail(ctx, sub, st, now, true, FactorRecovery)
		}
		return Result{}, st, s.storeErr(ctx, "use recovery code", err)
	}
	return Result{Factor: FactorRecovery, RecoveryCodesLeft: len(st.Recovery) - 1}, st, nil
}

// begin counts the attempt; it maps a missing record to invalid_otp and a
// lock to mfa_locked.
func (s *Service) begin(ctx context.Context, sub Subject, now time.Time) (State, error) {
	st, err := s.store.BeginAttempt(ctx, sub.UserID, now, s.policy)
	switch {
	case err == nil:
		return st, nil
	case errors.Is(err, ErrNotFound):
		return st, problem.ErrInvalidOTP
	case errors.Is(err, ErrLocked):
		return st, locked(st.LockedUntil, now)
	default:
		return st, s.storeErr(ctx, "begin attempt", err)
	}
}

func locked(until, now time.Time) error {
	e := problem.New(problem.CodeMFALocked)
	secs := int64((until.Sub(now) + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	e.RetryAfterSeconds = secs
	return e
}

// fail handles a failed attempt (already counted by BeginAttempt): it
// records a replay, and a lockout when this failure started one. These
// events record a refusal that stands whatever happens to them, so they are
// best effort (see the package doc); the lock itself is already stored.
func (s *Service) fail(ctx context.Context, sub Subject, st State, now time.Time, replay bool, f Factor) error {
	if replay {
		s.tryRecord(ctx, sub, audit.ActionMFAReplay, audit.OutcomeDenied, factorMeta(f))
	}
	if d := s.policy.LockFor(st.Failures); d > 0 {
		s.tryRecord(ctx, sub, audit.ActionMFALockout, audit.OutcomeDenied, factorMeta(f))
		return locked(st.LockedUntil, now)
	}
	return problem.ErrInvalidOTP
}

// match checks code against the steps now−1, now, now+1 (pquerna/otp's
// HOTP with this Service's options). It returns the first matching step
// after lastStep; replay reports a match only at steps already used.
func (s *Service) match(seed, code string, now time.Time, lastStep int64) (step int64, ok, replay bool, err error) {
	unix := now.Unix()
	if unix < 0 {
		return 0, false, false, nil
	}
	cur := unix / s.period
	for _, c := range [3]int64{cur, cur + 1, cur - 1} {
		if c < 0 {
			continue
		}
		valid, verr := hotp.ValidateCustom(code, uint64(c), seed, s.opts)
		if verr != nil {
			return 0, false, false, problem.Wrap(problem.CodeUnavailable, errors.New("mfa: seed does not decode"))
		}
		if valid {
			if c > lastStep {
				return c, true, false, nil
			}
			replay = true
		}
	}
	return 0, false, replay, nil
}

// deny refuses an impersonating session's change; the refusal is recorded
// best effort and stands either way.
func (s *Service) deny(ctx context.Context, sub Subject, a audit.Action) error {
	s.tryRecord(ctx, sub, a, audit.OutcomeDenied, nil)
	return errImpersonating
}

func (s *Service) storeErr(ctx context.Context, op string, err error) error {
	s.cfg.Logger.ErrorContext(ctx, "mfa: store failure", "op", op, "err", err)
	return problem.Wrap(problem.CodeUnavailable, err)
}

// openSeed opens a sealed seed, through the cache when enabled.
func (s *Service) openSeed(userID string, sealed []byte) (string, error) {
	if seed, ok := s.cache.get(userID, sealed); ok {
		return seed, nil
	}
	pt, err := s.ring.Open(sealed, seedAD(userID))
	if err != nil {
		return "", err
	}
	seed := string(pt)
	s.cache.put(userID, sealed, seed)
	return seed, nil
}

type cachedSeed struct {
	sealed string
	seed   string
}

// seedCache maps user id → (ciphertext, opened seed). A nil cache is
// disabled. Eviction drops an arbitrary entry when full.
type seedCache struct {
	mu  sync.RWMutex
	max int
	m   map[string]cachedSeed
}

func (c *seedCache) get(userID string, sealed []byte) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.RLock()
	e, ok := c.m[userID]
	c.mu.RUnlock()
	if !ok || e.sealed != string(sealed) {
		return "", false
	}
	return e.seed, true
}

func (c *seedCache) put(userID string, sealed []byte, seed string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[userID]; !ok && len(c.m) >= c.max {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[userID] = cachedSeed{sealed: string(sealed), seed: seed}
}

func (c *seedCache) drop(userID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.m, userID)
	c.mu.Unlock()
}
