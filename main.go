// Command portant-hooks is the developer's companion for Portant webhooks:
// listen to events, send saved or synthetic ones, validate fixtures.
package main

import (
	"os"

	"github.com/portant-hooks/portant-hooks/cmd"
)

func main() { os.Exit(cmd.Main()) }
