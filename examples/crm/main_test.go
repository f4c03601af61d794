package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/netip"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/ratelimit"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseOptions(t *testing.T) {
	t.Run("defaults generate the invite code and operator account", func(t *testing.T) {
		o, err := parseOptions(nil, env(nil), io.Discard)
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1:8080", o.addr)
		assert.False(t, o.dev)
		assert.NotEmpty(t, o.cfg.InviteCode)
		assert.NotEmpty(t, o.cfg.OperatorPassword)
		assert.Len(t, o.generated, 3)
		assert.Empty(t, o.trustedProxies, "no proxy is trusted by default")
		assert.Equal(t, ratelimit.PerMinute(600), o.cfg.TenantQuota)
	})
	t.Run("environment wins and is not printed", func(t *testing.T) {
		o, err := parseOptions([]string{"-dev", "-addr", "127.0.0.1:9"}, env(map[string]string{
			"CLOSED_BETA_INVITE_CODE": "beta-code-123", "TENANTGATE_OPERATOR_EMAIL": "op@example.com",
			"TENANTGATE_OPERATOR_PASSWORD": "operator-password",
		}), io.Discard)
		require.NoError(t, err)
		assert.True(t, o.dev)
		assert.Equal(t, "beta-code-123", o.cfg.InviteCode)
		assert.Equal(t, "op@example.com", o.cfg.OperatorEmail)
		assert.Empty(t, o.generated)
	})
	t.Run("trusted proxies and quota", func(t *testing.T) {
		o, err := parseOptions([]string{"-trusted-proxies", "10.0.0.0/8, 192.0.2.1/32", "-tenant-quota", "100/1s"}, env(nil), io.Discard)
		require.NoError(t, err)
		assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}, o.trustedProxies)
		assert.Equal(t, ratelimit.Limit{N: 100, Window: time.Second}, o.cfg.TenantQuota)
	})
	for name, args := range map[string][]string{
		"bad proxy":      {"-trusted-proxies", "10.0.0.0/33"},
		"bad quota":      {"-tenant-quota", "lots"},
		"zero quota":     {"-tenant-quota", "0/1m"},
		"stray argument": {"serve"},
		"unknown flag":   {"-devv"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseOptions(args, env(nil), io.Discard)
			assert.Error(t, err)
		})
	}
}

func TestRunMongoConfiguration(t *testing.T) {
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	for name, c := range map[string]struct {
		uri, key, want string
	}{
		"no secret key":      {"mongodb://127.0.0.1:1", "", "TENANTGATE_SECRET_KEY"},
		"short secret key":   {"mongodb://127.0.0.1:1", "c2hvcnQ=", "at least 32 bytes"},
		"bad URI":            {"postgres://x", key, "not a valid MongoDB URI"},
		"unreachable server": {"mongodb://127.0.0.1:1/crm?serverSelectionTimeoutMS=200&connectTimeoutMS=200", key, "-mongo"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), []string{"-mongo", c.uri}, env(map[string]string{"TENANTGATE_SECRET_KEY": c.key}), &out, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, out.String(), "listening", "nothing is served without its stores")
		})
	}
}

// syncBuf is a concurrency-safe writer for the server's stdout.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestRunServesAndShutsDownGracefully starts the real server on a free
// port, serves a request, and stops on cancellation with a nil error.
func TestRunServesAndShutsDownGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-quiet"}, env(map[string]string{"TENANTGATE_OPERATOR_PASSWORD": "operator-password"}), out, io.Discard)
	}()
	re := regexp.MustCompile(`listening on (http://\S+)`)
	var base string
	require.Eventually(t, func() bool {
		m := re.FindStringSubmatch(out.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	}, 10*time.Second, 20*time.Millisecond)
	assert.Contains(t, out.String(), "closed-beta invite code: ")
	assert.NotContains(t, out.String(), "operator-password", "a configured secret is never printed")
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not shut down")
	}
}
