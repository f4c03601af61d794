package mfa

import (
	"fmt"
	"log/slog"

	"github.com/tenantgate/tenantgate/secret"
)

// Enrollment is a new TOTP seed, returned once by Enroll for the user to
// scan. It renders masked (every fmt verb, slog); only the RevealXxx
// methods give out the seed.
type Enrollment struct {
	url secret.Value
	png []byte
}

// EnrollResponse is the one response body that carries a seed:
// {"otpauthURL","qrPNG"} (qrPNG is base64 in JSON).
type EnrollResponse struct {
	OTPAuthURL string `json:"otpauthURL"`
	QRPNG      []byte `json:"qrPNG"`
}

// RevealURL returns the otpauth:// URL (it contains the seed).
func (e *Enrollment) RevealURL() string { return e.url.Reveal() }

// RevealQRPNG returns the QR code of the URL as a PNG (it encodes the
// seed). The slice is a copy.
func (e *Enrollment) RevealQRPNG() []byte { return append([]byte(nil), e.png...) }

// RevealResponse returns the response body that shows the seed to its
// owner, once.
func (e *Enrollment) RevealResponse() EnrollResponse {
	return EnrollResponse{OTPAuthURL: e.RevealURL(), QRPNG: e.RevealQRPNG()}
}

// String renders nothing of the seed.
func (e *Enrollment) String() string { return "mfa.Enrollment(" + secret.Mask + ")" }

// Format renders String for every verb.
func (e *Enrollment) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(e.String())) }

// LogValue renders String.
func (e *Enrollment) LogValue() slog.Value { return slog.StringValue(e.String()) }

// MarshalJSON renders String: encoding an Enrollment by accident shows
// nothing; use RevealResponse for the real body.
func (e *Enrollment) MarshalJSON() ([]byte, error) { return []byte(`"` + e.String() + `"`), nil }
