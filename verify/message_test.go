package verify

// canaryKey is a credential-shaped string that no log or error of the
// package may contain.
const canaryKey = "re_CANARY_9f8e7d6c5b4a39281706"

// testMsg is a valid message whose token, recipient and body must never
// reach a log.
var testMsg = Message{
	To:             "ann@example.com",
	Subject:        "Verify your email address",
	Text:           "code: abc",
	HTML:           "<p>code: abc</p>",
	Kind:           KindVerifyEmail,
	Token:          "tok-should-never-leave",
	IdempotencyKey: "verify_email/0123456789abcdef",
}
