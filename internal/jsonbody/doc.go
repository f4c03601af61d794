// Package jsonbody decodes JSON request bodies strictly and answers every
// refusal with the error catalogue, so that every route of the library and
// of the reference server refuses the same bodies the same way:
//
//   - a Content-Type other than exactly one application/json (charset, when
//     given, utf-8): 415 unsupported_media_type;
//   - a body over the caller's limit: 413 request_too_large;
//   - an empty body or one that is not JSON: 400 invalid_request;
//   - an unknown field, a value of the wrong type, or any data after the
//     single JSON value: 422 validation_failed, with errors[] naming the
//     field ("" for the body as a whole).
//
// Decoding fills a fresh value and returns the zero value on any error, so
// a caller never acts on half a body.
package jsonbody
