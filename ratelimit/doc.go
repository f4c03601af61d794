// Package ratelimit enforces exact sliding-window limits: never more than N
// admitted hits of one key in any rolling window of length W, across what
// would be window boundaries in a fixed-window limiter too.
//
// The counting lives behind Store, whose one decision method, Take, is
// atomic and can be one round trip to a database (memstore implements it in
// memory; the MongoDB backend with one update on one document per key).
// Every Store passes storetest.RunRateLimitStore. Time is always an input:
// stores take now, the middleware reads an injected Clock once per request.
//
// Three layers use it:
//
//   - Limit.Decide / DecidePeek turn a Store's State into a Decision
//     (allowed, limit, remaining, reset, retry-after).
//   - Counter counts failed attempts (logins, one-time codes) with Hit,
//     Peek and Reset, for lockouts.
//   - Limiter.Policy builds a route's Policy from Rules; Policy.Check is the
//     decision and Policy.Handler the func(http.Handler) http.Handler
//     middleware. Rules key a request by client IP (through clientip's trusted-proxy rule, IPv6
//     grouped by /64), by a normalized identifier read from the JSON body,
//     or by any KeyFunc (tenant, plan). Denials are 429 rate_limited
//     problems with Retry-After; responses carry the IETF RateLimit-Policy
//     and RateLimit headers (draft-ietf-httpapi-ratelimit-headers). A store
//     failure denies with 503 unavailable unless a rule opts into
//     UnsafeFailOpen, and is always reported to the Observer.
//
// Placement: policies keyed by client IP or identifier wrap the handler
// outside the gate (429 before any work); policies keyed by tenant or plan
// go inside it, after membership is verified, so that a non-member never
// sees a foreign workspace's quota in a RateLimit header and can never
// spend it. Each tenant has its own bucket, so one tenant exhausting its
// quota never affects another.
//
// # Implementing Store on MongoDB
//
// One document per key in the ratelimits collection, { _id: key, t: [hit
// times], ok: bool, exp: date } with a TTL index on exp, and Take as one
// findOneAndUpdate(upsert, returnDocument "after") with an update pipeline
// (now, cut = now−Window and N are constants of the call):
//
//	[{$set: {t: {$slice: [{$sortArray: {sortBy: 1, input: {$filter: {
//	     input: {$ifNull: ["$t", []]}, cond: {$gt: ["$$this", cut]}}}}}, -N]}}},
//	 {$set: {ok: {$lt: [{$size: "$t"}, N]}}},
//	 {$set: {t: {$cond: ["$ok", {$sortArray: {sortBy: 1,
//	     input: {$concatArrays: ["$t", [now]]}}}, "$t"]}}},
//	 {$set: {exp: {$add: [{$max: "$t"}, Window]}}}]
//
// The returned document gives State{Admitted: ok, Count: len(t), Oldest:
// t[0]}. The update is atomic on its document, so concurrent Takes of one
// key serialize on the server; the TTL monitor only reclaims space, since
// every call filters by time itself. Peek is one findOne filtered by the
// caller (the newest N times after cut); Reset is one deleteOne. BSON dates
// hold milliseconds: round now up to the millisecond before the call (and
// cut with it), so that a stored hit never leaves its window early.
package ratelimit
