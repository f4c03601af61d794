package verify

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutbox_ConcurrentAndQuery(t *testing.T) {
	o, err := NewOutbox(1000)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := testMsg
			m.To = fmt.Sprintf("user%d@example.com", i%5)
			m.Token = fmt.Sprintf("tok-%d", i)
			m.Kind = []Kind{KindVerifyEmail, KindResetPassword, KindInvite}[i%3]
			assert.NoError(t, o.Send(context.Background(), m))
			_ = o.To(m.To)
		}()
	}
	wg.Wait()
	assert.Equal(t, 50, o.Len())
	assert.Len(t, o.To("USER0@example.com"), 10, "query is case-insensitive")
	assert.Len(t, o.To(""), 50)
	assert.Empty(t, o.To("nobody@example.com"))
	assert.NotNil(t, o.To("nobody@example.com"), "an empty list, not null, for JSON")
}

func TestOutbox_EntryAndLast(t *testing.T) {
	o, err := NewOutbox(2)
	require.NoError(t, err)
	ctx := context.Background()
	for i, k := range []Kind{KindVerifyEmail, KindResetPassword, KindResetPassword} {
		m := testMsg
		m.Kind = k
		m.Token = fmt.Sprintf("t%d", i)
		require.NoError(t, o.Send(ctx, m))
	}
	assert.Equal(t, 2, o.Len(), "the oldest entry is dropped at the cap")
	e, ok := o.Last("ann@example.com", KindResetPassword)
	require.True(t, ok)
	assert.Equal(t, OutboxEntry{To: "ann@example.com", Kind: KindResetPassword, Subject: testMsg.Subject, Body: testMsg.Text, Token: "t2"}, e)
	_, ok = o.Last("ann@example.com", KindVerifyEmail)
	assert.False(t, ok, "dropped")

	m := testMsg
	m.Text = ""
	require.NoError(t, o.Send(ctx, m))
	e, _ = o.Last("ann@example.com", KindVerifyEmail)
	assert.Equal(t, testMsg.HTML, e.Body, "HTML body when there is no text")

	_, err = NewOutbox(0)
	assert.ErrorContains(t, err, "verify: ")
}

func TestMessage_Validate(t *testing.T) {
	long := make([]byte, 257)
	for i := range long {
		long[i] = 'k'
	}
	cases := []struct {
		name string
		mod  func(*Message)
	}{
		{"no recipient", func(m *Message) { m.To = "" }},
		{"two recipients", func(m *Message) { m.To = "a@example.com,b@example.com" }},
		{"recipient header injection", func(m *Message) { m.To = "a@example.com\r\nBcc: b@example.com" }},
		{"subject header injection", func(m *Message) { m.Subject = "Hi\nBcc: b@example.com" }},
		{"no subject", func(m *Message) { m.Subject = "" }},
		{"no body", func(m *Message) { m.Text, m.HTML = "", "" }},
		{"unknown kind", func(m *Message) { m.Kind = "newsletter" }},
		{"idempotency key too long", func(m *Message) { m.IdempotencyKey = string(long) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := testMsg
			tc.mod(&m)
			assert.ErrorIs(t, m.Validate(), ErrInvalidMessage)
			o, _ := NewOutbox(10)
			assert.Error(t, o.Send(context.Background(), m))
			assert.Zero(t, o.Len())
		})
	}
	assert.NoError(t, testMsg.Validate())
}

func TestMessage_RendersWithoutToken(t *testing.T) {
	for _, s := range []string{fmt.Sprint(testMsg), fmt.Sprintf("%+v", testMsg), fmt.Sprintf("%#v", testMsg)} {
		assert.NotContains(t, s, testMsg.Token)
		assert.NotContains(t, s, testMsg.To)
		assert.NotContains(t, s, testMsg.Text)
	}
}
