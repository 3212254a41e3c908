// Package capture is the listener: the HTTP server that accepts Portant's
// events, the store that keeps them on disk byte for byte, and the terminal
// rendering of each event. The inspector web page that browses what it
// saved is package capture/inspector.
package capture
