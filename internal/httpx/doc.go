// Package httpx holds the rules every HTTP client in portant-hooks follows,
// each in one place: how a client is built (NewClient), how a target URL is
// read (ParseTarget), which captured headers may be sent again (Replayable,
// EndToEnd), which host names are this machine (IsLoopback), and how a
// request that got no answer is described to a person (Explain).
//
// send, listen --forward-to and the inspector's replay all go through these,
// so "localhost:3000/hook" means the same thing, and the same headers are
// dropped, everywhere.
package httpx
