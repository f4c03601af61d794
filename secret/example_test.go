package secret_test

import (
	"encoding/json"
	"fmt"

	"github.com/tenantgate/tenantgate/secret"
)

func Example() {
	token := secret.New("123456789:AAE-telegram-bot-token-XyZ9")
	fmt.Println(token)
	fmt.Printf("%q %#v\n", token, token)
	b, _ := json.Marshal(map[string]secret.Value{"botToken": token})
	fmt.Println(string(b))

	// The client puts back what it read: nothing changes.
	same, _ := secret.Merge(token, "********XyZ9", false)
	fmt.Println(same.Equal(token))
	// Only an explicit clear removes it.
	cleared, _ := secret.Merge(token, "", true)
	fmt.Println(cleared.IsZero())
	// Output:
	// ********XyZ9
	// "********XyZ9" secret.Value("********XyZ9")
	// {"botToken":"********XyZ9"}
	// true
	// true
}

func ExampleKeyring() {
	ring, err := secret.NewKeyring("2025-06", map[string][]byte{"2025-06": secret.GenerateKey()})
	if err != nil {
		fmt.Println(err)
		return
	}
	ad := []byte("workspace:w1/resend")
	sealed := ring.SealValue(secret.New("re_live_abcdefghijklmnop"), ad)
	id, _ := ring.KeyID(sealed)
	v, _ := ring.OpenValue(sealed, ad)
	_, err = ring.OpenValue(sealed, []byte("workspace:w2/resend"))
	fmt.Println(id, v, err)
	// Output: 2025-06 ********mnop secret: ciphertext does not open
}
