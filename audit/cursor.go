package audit

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidCursor is returned (wrapped) by Reader.Query and ParseCursor
// for a cursor that no Reader produced.
var ErrInvalidCursor = errors.New("audit: invalid cursor")

const cursorPrefix = "s1."

// maxCursorLen bounds the input ParseCursor decodes.
const maxCursorLen = 64

// EncodeCursor returns the opaque cursor that continues a newest-first query
// below seq. Clients must treat it as opaque; backends use it and
// ParseCursor so that cursors are portable between them.
func EncodeCursor(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatUint(seq, 10)))
}

// ParseCursor returns the Seq encoded in cursor: the next page holds events
// with a lower Seq. The empty cursor is the first page and yields 0, false.
// Any other malformed input fails with ErrInvalidCursor.
func ParseCursor(cursor string) (seq uint64, ok bool, err error) {
	if cursor == "" {
		return 0, false, nil
	}
	if len(cursor) > maxCursorLen {
		return 0, false, fmt.Errorf("%w: too long", ErrInvalidCursor)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return 0, false, fmt.Errorf("%w: encoding", ErrInvalidCursor)
	}
	digits, found := strings.CutPrefix(string(raw), cursorPrefix)
	if !found || digits == "" || (len(digits) > 1 && digits[0] == '0') {
		return 0, false, fmt.Errorf("%w: format", ErrInvalidCursor)
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false, fmt.Errorf("%w: format", ErrInvalidCursor)
		}
	}
	seq, err = strconv.ParseUint(digits, 10, 64)
	if err != nil || seq < 2 {
		// A cursor below 2 would select nothing; no Reader produces it.
		return 0, false, fmt.Errorf("%w: range", ErrInvalidCursor)
	}
	if EncodeCursor(seq) != cursor { // one spelling per position (no stray line breaks or padding)
		return 0, false, fmt.Errorf("%w: encoding", ErrInvalidCursor)
	}
	return seq, true, nil
}
