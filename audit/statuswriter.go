package audit

import "net/http"

// statusWriter records the status a handler sends. It forwards everything
// else: Flush directly (for code that type-asserts http.Flusher), and every
// other optional interface (Hijacker, deadlines, full duplex) through Unwrap,
// which http.ResponseController follows.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the first final status (informational 1xx other than
// 101 are not final).
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implies a 200 when no status was sent.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush implies a 200 when no status was sent and flushes if the underlying
// writer can.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the wrapped writer for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Status is the status sent, 200 when the handler sent none (net/http's
// default).
func (w *statusWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

var _ http.Flusher = (*statusWriter)(nil)
