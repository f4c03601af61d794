package mfa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/pquerna/otp"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/secret"
)

// Clock is the trusted time source.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

// Now reads the wall clock.
func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the wall clock, the only reader of time.Now in the
// package. Its type is unexported, so no importer can swap it for another
// clock behind every user's back: inject a clock through the Config.
var SystemClock = systemClock{}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// AuditFunc records an MFA event. Events are about a user and carry no
// workspace; the host decides where they go (see FanOut). It must return
// nil only once the event is stored.
//
// A non-nil error for an attempted event (enable, disable, regenerate,
// recovery-code use) refuses the change: the operation returns 503
// unavailable and the store is left exactly as it was. A non-nil error for
// any other event (the result of an attempt, a replay refusal, a lockout, a
// refused impersonation) is logged and changes nothing: that event records
// a decision already taken (see the package doc, "Audit").
type AuditFunc func(ctx context.Context, e audit.Event) error

// Argon2Params are the argon2id parameters for new recovery-code hashes.
// Stored hashes keep the parameters they were made with.
type Argon2Params struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultArgon2 returns the OWASP Password Storage Cheat Sheet argon2id
// baseline: 2 passes over 19 MiB with 1 thread (32-byte key, 16-byte
// salt). It is a function, not a variable, so that no importer can weaken
// the default of every Service.
func DefaultArgon2() Argon2Params {
	return Argon2Params{Time: 2, MemoryKiB: 19 * 1024, Threads: 1}
}

// Defaults.
const (
	DefaultDigits         = 6
	DefaultPeriod         = 30 * time.Second
	DefaultSecretSize     = 20
	DefaultLockAfter      = 5
	MaxLockAfter          = 100
	DefaultLockBackoff    = 5 * time.Minute
	DefaultMaxLockBackoff = 24 * time.Hour
	DefaultSeedCacheSize  = 10000
	// RecoveryCodeCount is the number of recovery codes in a set.
	RecoveryCodeCount = 10
)

// Config configures a Service. Store, Keyring, Clock, Audit and Issuer are
// required; zero optional fields take the documented defaults.
type Config struct {
	Store   Store
	Keyring *secret.Keyring
	Clock   Clock
	// Audit receives every MFA event (see FanOut).
	Audit AuditFunc
	// Issuer names the service in authenticator apps.
	Issuer string

	// Algorithm is the TOTP HMAC (default SHA-1; SHA-256 and SHA-512
	// allowed; MD5 refused).
	Algorithm otp.Algorithm
	// Digits is the code length, 6 (default) to 8.
	Digits int
	// Period is the TOTP step, whole seconds from 1 s to 10 min (default
	// 30 s).
	Period time.Duration
	// SecretSize is the seed size in bytes, 16 to 64 (default 20).
	SecretSize int
	// Rand is the seed source (default crypto/rand). Recovery codes always
	// come from crypto/rand.
	Rand io.Reader

	// LockAfter is the number of consecutive failures that locks the second
	// factor, 1 to 100 (default 5).
	LockAfter int
	// LockBackoff is the first lock's duration (default 5 min); it doubles
	// with each further lock up to MaxLockBackoff (default 24 h).
	LockBackoff    time.Duration
	MaxLockBackoff time.Duration

	// RecoveryHash are the argon2id parameters for new recovery codes
	// (default DefaultArgon2()).
	RecoveryHash Argon2Params

	// SeedCacheSize bounds the cache of opened seeds (default 10000;
	// negative disables the cache).
	SeedCacheSize int

	// Logger receives operational failures (store or audit errors), never
	// a code or seed. Default: discard.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Store == nil:
		return c, errors.New("mfa: Config.Store is required")
	case c.Keyring == nil:
		return c, errors.New("mfa: Config.Keyring is required")
	case c.Clock == nil:
		return c, errors.New("mfa: Config.Clock is required")
	case c.Audit == nil:
		return c, errors.New("mfa: Config.Audit is required")
	case c.Issuer == "":
		return c, errors.New("mfa: Config.Issuer is required")
	}
	switch c.Algorithm {
	case otp.AlgorithmSHA1, otp.AlgorithmSHA256, otp.AlgorithmSHA512:
	default:
		return c, fmt.Errorf("mfa: unsupported algorithm %d", int(c.Algorithm))
	}
	if c.Digits == 0 {
		c.Digits = DefaultDigits
	}
	if c.Digits < 6 || c.Digits > 8 {
		return c, fmt.Errorf("mfa: Digits %d out of range 6..8", c.Digits)
	}
	if c.Period == 0 {
		c.Period = DefaultPeriod
	}
	if c.Period < time.Second || c.Period > 10*time.Minute || c.Period%time.Second != 0 {
		return c, fmt.Errorf("mfa: Period %v must be whole seconds from 1s to 10m", c.Period)
	}
	if c.SecretSize == 0 {
		c.SecretSize = DefaultSecretSize
	}
	if c.SecretSize < 16 || c.SecretSize > 64 {
		return c, fmt.Errorf("mfa: SecretSize %d out of range 16..64", c.SecretSize)
	}
	if c.LockAfter == 0 {
		c.LockAfter = DefaultLockAfter
	}
	if c.LockAfter < 1 || c.LockAfter > MaxLockAfter {
		return c, fmt.Errorf("mfa: LockAfter %d out of range 1..%d", c.LockAfter, MaxLockAfter)
	}
	if c.LockBackoff == 0 {
		c.LockBackoff = DefaultLockBackoff
	}
	if c.MaxLockBackoff == 0 {
		c.MaxLockBackoff = DefaultMaxLockBackoff
	}
	if c.LockBackoff < 0 || c.MaxLockBackoff < c.LockBackoff {
		return c, errors.New("mfa: need 0 < LockBackoff <= MaxLockBackoff")
	}
	if c.RecoveryHash == (Argon2Params{}) {
		c.RecoveryHash = DefaultArgon2()
	}
	if p := c.RecoveryHash; p.Time < 1 || p.Threads < 1 || p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > 4<<20 {
		return c, errors.New("mfa: RecoveryHash needs Time >= 1, Threads >= 1, 8*Threads <= MemoryKiB <= 4 GiB")
	}
	if c.SeedCacheSize == 0 {
		c.SeedCacheSize = DefaultSeedCacheSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
