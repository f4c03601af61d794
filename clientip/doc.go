// Package clientip finds the address of the client behind an HTTP request,
// by one rule shared by the rate limiter and the audit trail.
//
// The rule: the socket peer (Request.RemoteAddr) is the client unless it is
// a trusted proxy. Only then is the forwarding header read, from the right,
// skipping hops that are themselves trusted proxies; the first untrusted hop
// is the client. Every hop examined was therefore written by a trusted
// proxy, so a client cannot choose its own address by sending a forged
// header: anything it writes lies to the left of what the proxies appended
// and is never reached.
//
// With no trusted proxy configured, the socket address is the only source.
// X-Real-IP, True-Client-IP, X-Forwarded-For and Forwarded are then never
// read, so rotating them neither escapes a rate-limit bucket nor drains a
// victim's bucket (see the regression tests named after go-chi/chi
// GHSA-3fxj-6jh8-hvhx and go-chi/httprate issue 53).
//
// Exactly one forwarding header is read, the one the trusted proxies write
// (X-Forwarded-For by default, or RFC 7239 Forwarded): a proxy that only
// appends X-Forwarded-For passes a client's Forwarded header through
// untouched, so reading both would let the client choose.
//
// Grouper maps an address to its rate-limit bucket: IPv4 addresses are their
// own bucket, IPv6 addresses are grouped by prefix (/64 by default), since
// one subscriber usually holds a whole /64.
package clientip
