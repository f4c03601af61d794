// Command crm is tenantgate's reference server: a small CRM whose routes
// exercise every gate of the library.
//
//	go run ./examples/crm -dev
//
// Flags: -addr (default 127.0.0.1:8080), -dev (dev outbox and test clock),
// -mongo URI (or TENANTGATE_MONGO_URI), -trusted-proxies CIDR,…,
// -tenant-quota N/window (default 600/1m), -quiet (no per-request log).
// With -mongo, TENANTGATE_SECRET_KEY (base64, 32+ bytes) keeps the at-rest
// keys stable across restarts. Environment: CLOSED_BETA_INVITE_CODE, TENANTGATE_OPERATOR_EMAIL,
// TENANTGATE_OPERATOR_PASSWORD (generated and printed when unset),
// RESEND_API_KEY (mail through Resend, from TENANTGATE_MAIL_FROM;
// otherwise the log records that a mail was sent, never its content).
package main

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	mongoopts "go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/tenantgate/tenantgate/examples/crm/internal/app"
	"github.com/tenantgate/tenantgate/examples/crm/internal/mongoapp"
	"github.com/tenantgate/tenantgate/mongostore"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/secret"
	"github.com/tenantgate/tenantgate/verify/resend"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "crm:", err)
		os.Exit(1)
	}
}

// options are the parsed flags and environment.
type options struct {
	addr           string
	dev            bool
	quiet          bool
	mongoURI       string
	trustedProxies []netip.Prefix
	cfg            app.Config
	generated      []string // lines to print at start
}

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("crm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.BoolVar(&o.dev, "dev", false, "enable the dev outbox (GET /dev/outbox) and test clock (GET,POST /dev/clock)")
	fs.BoolVar(&o.quiet, "quiet", false, "do not log one line per request")
	fs.StringVar(&o.mongoURI, "mongo", getenv("TENANTGATE_MONGO_URI"), "MongoDB URI (default in-memory stores; env TENANTGATE_MONGO_URI)")
	proxies := fs.String("trusted-proxies", "", "comma-separated CIDRs of trusted reverse proxies (default: none)")
	quota := fs.String("tenant-quota", "600/1m", "API requests per workspace without a paid plan, as N/window (pro gets 5×, business 20×)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	for _, s := range strings.Split(*proxies, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return o, fmt.Errorf("-trusted-proxies: %q is not a CIDR", s)
		}
		o.trustedProxies = append(o.trustedProxies, p.Masked())
	}
	q, err := parseQuota(*quota)
	if err != nil {
		return o, err
	}
	o.cfg = app.Config{
		Dev: o.dev, QuietRequests: o.quiet, TrustedProxies: o.trustedProxies, TenantQuota: q,
		InviteCode:       getenv("CLOSED_BETA_INVITE_CODE"),
		OperatorEmail:    getenv("TENANTGATE_OPERATOR_EMAIL"),
		OperatorPassword: getenv("TENANTGATE_OPERATOR_PASSWORD"),
	}
	if o.cfg.InviteCode == "" {
		o.cfg.InviteCode = "beta-" + strings.ToLower(rand.Text()[:16])
		o.generated = append(o.generated, "closed-beta invite code: "+o.cfg.InviteCode)
	}
	if o.cfg.OperatorEmail == "" {
		o.cfg.OperatorEmail = "operator@example.com"
		o.generated = append(o.generated, "operator email: "+o.cfg.OperatorEmail)
	}
	if o.cfg.OperatorPassword == "" {
		o.cfg.OperatorPassword = rand.Text()
		o.generated = append(o.generated, "operator password: "+o.cfg.OperatorPassword)
	}
	return o, nil
}

// openMongo connects to o.mongoURI, opens every store on its database
// (the URI's path names it; "tenantgate" by default) and derives the
// at-rest keys from secretKey, which a persistent backend needs stable.
func openMongo(ctx context.Context, o *options, secretKey string) (func(), error) {
	if secretKey == "" {
		return nil, errors.New("-mongo needs TENANTGATE_SECRET_KEY (base64 of at least 32 random bytes, e.g. `openssl rand -base64 32`): it seals TOTP seeds, channel credentials and audit keys at rest and must stay the same across restarts")
	}
	master, err := base64.StdEncoding.DecodeString(secretKey)
	if err != nil || len(master) < 32 {
		return nil, errors.New("TENANTGATE_SECRET_KEY must be base64 of at least 32 bytes")
	}
	ringKey, err := hkdf.Key(sha256.New, master, nil, "tenantgate crm keyring v1", secret.KeySize)
	if err != nil {
		return nil, err
	}
	if o.cfg.PseudonymKey, err = hkdf.Key(sha256.New, master, nil, "tenantgate crm pseudonyms v1", 32); err != nil {
		return nil, err
	}
	if o.cfg.Keyring, err = secret.NewKeyring("k1", map[string][]byte{"k1": ringKey}); err != nil {
		return nil, err
	}
	cs, err := connstring.ParseAndValidate(o.mongoURI)
	if err != nil {
		return nil, errors.New("-mongo: not a valid MongoDB URI")
	}
	dbName := cs.Database
	if dbName == "" {
		dbName = "tenantgate"
	}
	client, err := mongo.Connect(mongoopts.Client().ApplyURI(o.mongoURI).SetTimeout(10 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("-mongo: %w", err)
	}
	closeDB := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Disconnect(dctx)
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	storeOpts := []mongostore.Option{mongostore.WithKeyring(o.cfg.Keyring)}
	if o.cfg.Clock != nil {
		storeOpts = append(storeOpts, mongostore.WithClock(o.cfg.Clock))
	}
	if o.cfg.Stores, err = mongoapp.Open(octx, client.Database(dbName), storeOpts...); err != nil {
		closeDB()
		return nil, fmt.Errorf("-mongo: %w", err)
	}
	return closeDB, nil
}

// parseQuota parses "N/window" ("600/1m").
func parseQuota(s string) (ratelimit.Limit, error) {
	n, w, ok := strings.Cut(s, "/")
	var l ratelimit.Limit
	var err error
	if ok {
		if l.N, err = strconv.Atoi(n); err == nil {
			l.Window, err = time.ParseDuration(w)
		}
	}
	if !ok || err != nil {
		return l, fmt.Errorf("-tenant-quota: %q is not N/window (such as 600/1m)", s)
	}
	if err := l.Validate(); err != nil {
		return l, fmt.Errorf("-tenant-quota: %w", err)
	}
	return l, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	o.cfg.Logger = log
	if o.dev {
		o.cfg.Clock = app.NewTestClock()
	}
	if o.mongoURI != "" {
		closeDB, err := openMongo(ctx, &o, getenv("TENANTGATE_SECRET_KEY"))
		if err != nil {
			return err
		}
		defer closeDB()
		log.Info("stores on MongoDB")
	}
	if key := getenv("RESEND_API_KEY"); key != "" {
		from := getenv("TENANTGATE_MAIL_FROM")
		if from == "" {
			from = "tenantgate CRM <onboarding@resend.dev>"
		}
		m, err := resend.New(resend.Config{APIKey: secret.New(key), From: from})
		if err != nil {
			return fmt.Errorf("RESEND_API_KEY: %w", err)
		}
		o.cfg.Mailer = m
		log.Info("mail goes through Resend")
	} else {
		log.Info("mail goes to the log (set RESEND_API_KEY to send it through Resend)")
	}
	a, err := app.New(o.cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	// Generated secrets go to stdout once, never to the structured log.
	for _, line := range o.generated {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "tenantgate crm listening on http://%s (dev=%t)\n", ln.Addr(), o.dev)

	srv := &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	return a.Close(sctx)
}
