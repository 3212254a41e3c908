package capture

import (
	"slices"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// appendRecord appends r as one JSON object, the journal line without its
// newline: what encoding/json makes of a Record (the same fields, names and
// omissions; TestAppendRecordMatchesEncodingJSON holds it to that), at a
// third of the cost, as it runs for every request.
func appendRecord(b []byte, r *Record) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, r.Seq, 10)
	if r.File != "" {
		b = appendKey(b, "file")
		b = appendString(b, r.File)
	}
	b = appendKey(b, "received")
	b = append(b, '"')
	b = r.Received.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendKey(b, "method")
	b = appendString(b, r.Method)
	b = appendKey(b, "path")
	b = appendString(b, r.Path)
	if r.Query != "" {
		b = appendKey(b, "query")
		b = appendString(b, r.Query)
	}
	b = appendKey(b, "headers")
	b = appendHeaders(b, r.Headers)
	b = appendKey(b, "remote")
	b = appendString(b, r.Remote)
	b = appendKey(b, "size")
	b = strconv.AppendInt(b, r.Size, 10)
	b = appendKey(b, "sha256")
	b = appendString(b, r.SHA256)
	if r.EventID != "" {
		b = appendKey(b, "eventId")
		b = appendString(b, r.EventID)
	}
	b = appendKey(b, "eventType")
	b = appendString(b, string(r.Type))
	b = appendKey(b, "valid")
	b = strconv.AppendBool(b, r.Valid)
	if len(r.Problems) > 0 {
		b = appendKey(b, "problems")
		b = append(b, '[')
		for i, p := range r.Problems {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"line":`...)
			b = strconv.AppendInt(b, int64(p.Line), 10)
			b = append(b, `,"column":`...)
			b = strconv.AppendInt(b, int64(p.Column), 10)
			b = appendKey(b, "pointer")
			b = appendString(b, p.Pointer)
			b = appendKey(b, "message")
			b = appendString(b, p.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.Status != 0 {
		b = appendKey(b, "status")
		b = strconv.AppendInt(b, int64(r.Status), 10)
	}
	if f := r.Forward; f != nil {
		b = appendKey(b, "forward")
		b = append(b, `{"url":`...)
		b = appendString(b, f.URL)
		if f.Status != 0 {
			b = appendKey(b, "status")
			b = strconv.AppendInt(b, int64(f.Status), 10)
		}
		b = appendKey(b, "latencyMs")
		b = strconv.AppendFloat(b, f.LatencyMS, 'f', -1, 64)
		if f.Error != "" {
			b = appendKey(b, "error")
			b = appendString(b, f.Error)
		}
		if f.BodyStart != "" {
			b = appendKey(b, "bodyStart")
			b = appendString(b, f.BodyStart)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendKey(b []byte, key string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendString quotes s as JSON; bytes that are not UTF-8 become U+FFFD,
// as encoding/json does.
func appendString(b []byte, s string) []byte {
	b, _ = jsontext.AppendQuote(b, s)
	return b
}

// appendHeaders writes headers with their names sorted, as encoding/json
// writes a map.
func appendHeaders(b []byte, h map[string][]string) []byte {
	if h == nil {
		return append(b, "null"...)
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, name)
		b = append(b, ':')
		vals := h[name]
		if vals == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vals {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
