// Package disposable parses email addresses strictly and refuses those of
// disposable (throwaway) mail domains.
//
// Parse and Normalize turn untrusted input into one canonical address:
// surrounding white space trimmed, exactly one "@", no display name, angle
// brackets, quotes or comments, an ASCII dot-atom local part of at most 64
// octets, a domain of at most 255 octets and an address of at most 254
// (RFC 5321 §4.5.3.1). The domain is lower-cased, loses one trailing dot and
// is converted to its ASCII (punycode) form with a strict IDNA profile
// (UTS #46 mapping, STD3 rules, Bidi rule, DNS lengths). The local part is
// lower-cased too: the library treats addresses case-insensitively, as nearly
// every mail provider does, so that rate-limit keys and account uniqueness
// cannot be dodged by changing case. Provider-specific aliases ("+tag", dots
// in Gmail) are left alone. Malformed input is a 400 invalid_email
// (problem.ErrInvalidEmail).
//
// A Checker refuses addresses whose domain, or any parent domain, is on a
// block-list: 422 disposable_email (problem.ErrDisposableEmail). The
// embedded curated list (Curated) names 15 well-known services with a source
// for each; larger lists load from text (Load). An allowlist overrides: the
// most specific listed suffix of the domain decides, and an allowlisted entry
// wins over a blocked one of the same name. A check costs one map lookup per
// label of the domain, whatever the size of the lists.
//
// Lists and Checkers are immutable once built and safe for concurrent use.
package disposable
