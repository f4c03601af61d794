package token_test

import (
	"fmt"

	"github.com/tenantgate/tenantgate/internal/token"
)

func ExampleParse() {
	var raw [token.Size]byte // in real use: filled from crypto/rand
	text, stored := token.Encode(&raw)
	h, ok := token.Parse(text)
	fmt.Println(len(text), ok, h == stored)
	_, ok = token.Parse(text + "=") // padded: another spelling, refused
	fmt.Println(ok)
	// Output:
	// 43 true true
	// false
}
