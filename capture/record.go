// Package capture is the listener: the HTTP server that accepts Portant's
// events, the store that keeps them on disk byte for byte, and the terminal
// rendering of each event. The inspector web page that browses what it
// saved is package capture/inspector.
package capture

import "github.com/portant-hooks/portant-hooks/internal/journal"

// Record describes one request the listener received: one line of the
// journal <dir>/events.ndjson (internal/journal reads and writes it), and
// what the terminal and the inspector show.
type Record = journal.Record

// Forward is what the --forward-to handler made of an event.
type Forward = journal.Forward
