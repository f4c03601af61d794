package resend

import "fmt"

// Error is a failed delivery. Its text names the HTTP status and the number
// of attempts, never the API key or the message content.
type Error struct {
	// Status is the last HTTP status, or 0 when no answer came (transport
	// error, timeout, cancellation).
	Status int
	// Attempts is the number of requests made for the message.
	Attempts int
	cause    error
}

// Error names the status (or the transport failure) and the attempts.
func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("resend: no answer after %d attempt(s): %v", e.Attempts, e.cause)
	}
	return fmt.Sprintf("resend: status %d after %d attempt(s)", e.Status, e.Attempts)
}

// Unwrap returns the cause with the API key scrubbed from its text (and
// context errors kept, so errors.Is(err, context.DeadlineExceeded) works).
func (e *Error) Unwrap() error { return e.cause }
