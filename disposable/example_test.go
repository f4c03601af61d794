package disposable_test

import (
	"errors"
	"fmt"

	"github.com/tenantgate/tenantgate/disposable"
	"github.com/tenantgate/tenantgate/problem"
)

func Example() {
	c, err := disposable.New(disposable.Config{
		Block: []*disposable.List{disposable.Curated()},
		Allow: []string{"team.mailinator.com"},
	})
	if err != nil {
		panic(err)
	}
	for _, in := range []string{
		"  Alice@Example.COM. ",
		"u@x.MAILINATOR.com",
		"u@team.mailinator.com",
		"a@b@mailinator.com",
	} {
		a, err := c.Check(in)
		switch {
		case errors.Is(err, problem.ErrDisposableEmail):
			fmt.Println("422 disposable_email")
		case errors.Is(err, problem.ErrInvalidEmail):
			fmt.Println("400 invalid_email")
		default:
			fmt.Println("ok", a)
		}
	}
	// Output:
	// ok alice@example.com
	// 422 disposable_email
	// ok u@team.mailinator.com
	// 400 invalid_email
}

func ExampleNormalize() {
	s, _ := disposable.Normalize(" U@BÜCHER.example ")
	fmt.Println(s)
	// Output: u@xn--bcher-kva.example
}
