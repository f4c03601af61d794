package tenancy

import (
	"errors"
	"net/url"
	"strings"
)

// parseQuery parses a raw query strictly: a malformed escape or a ';'
// separator is an error (as in url.ParseQuery), so a parameter cannot be
// smuggled past one parser and seen by another.
func parseQuery(raw string) (map[string][]string, error) {
	if strings.Contains(raw, ";") {
		return nil, errors.New("tenancy: semicolon in query")
	}
	return url.ParseQuery(raw)
}
