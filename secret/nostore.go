package secret

import "net/http"

// NoStore wraps h so that every response it writes carries
// Cache-Control: no-store (OWASP ASVS 14.3.2), for routes that return
// credentials, even masked ones. The header is set before h runs; h may add
// to it but should not remove it.
func NoStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetNoStore(w.Header())
		h.ServeHTTP(w, r)
	})
}

// SetNoStore marks a response header as not cacheable by any cache.
func SetNoStore(h http.Header) {
	h["Cache-Control"] = []string{"no-store"}
	h["Pragma"] = []string{"no-cache"}
}
