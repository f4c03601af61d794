package tenancy

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidCursor is returned by ParseWorkspaceCursor for a cursor that
// EncodeWorkspaceCursor did not produce.
var ErrInvalidCursor = errors.New("tenancy: invalid cursor")

const (
	cursorPrefix = "w1."
	// maxCursorLen bounds the input ParseWorkspaceCursor decodes.
	maxCursorLen = 160
)

// EncodeWorkspaceCursor returns the opaque cursor that continues a listing
// after the workspace created at createdAt with id. Backends share it, so
// cursors are portable between them.
func EncodeWorkspaceCursor(createdAt time.Time, id WorkspaceID) string {
	raw := cursorPrefix + strconv.FormatInt(createdAt.UnixNano(), 10) + "." + string(id)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseWorkspaceCursor returns the position encoded by
// EncodeWorkspaceCursor. Any other input, including the empty string,
// fails with ErrInvalidCursor.
func ParseWorkspaceCursor(cursor string) (time.Time, WorkspaceID, error) {
	if cursor == "" || len(cursor) > maxCursorLen {
		return time.Time{}, "", ErrInvalidCursor
	}
	for i := 0; i < len(cursor); i++ {
		// The decoder skips CR and LF; a cursor has one spelling.
		c := cursor[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return time.Time{}, "", ErrInvalidCursor
		}
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return time.Time{}, "", ErrInvalidCursor
	}
	rest, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return time.Time{}, "", ErrInvalidCursor
	}
	nanos, id, ok := strings.Cut(rest, ".")
	if !ok || nanos == "" || (len(nanos) > 1 && (nanos[0] == '0' || nanos[:2] == "-0")) || nanos == "-" {
		return time.Time{}, "", ErrInvalidCursor
	}
	n, err := strconv.ParseInt(nanos, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != nanos {
		return time.Time{}, "", ErrInvalidCursor
	}
	wid, err := ParseWorkspaceID(id)
	if err != nil {
		return time.Time{}, "", ErrInvalidCursor
	}
	return time.Unix(0, n).UTC(), wid, nil
}
