package replay

import (
	"bytes"
	"encoding/json"
	"flag"
)

var update = flag.Bool("update", false, "rewrite golden files")

func compact(dst *bytes.Buffer, src []byte) error { return json.Compact(dst, src) }

func jsonValid(b []byte) bool { return json.Valid(b) }
