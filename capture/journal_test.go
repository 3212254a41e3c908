package capture

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// fill sets every field of v, recursively, to something that is not its
// zero value (with strings that need escaping), so a field added to Record
// and not to appendRecord shows up.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("a\"b\\c\n\x01<é>\u2028\xff")
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(42)
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		v.SetUint(7)
	case reflect.Float64:
		v.SetFloat(12.375)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i, k := range []string{"X-B", "A", "x-a\xff"} {
			val := reflect.New(v.Type().Elem()).Elem()
			fill(val, depth+i)
			m.SetMapIndex(reflect.ValueOf(k), val)
		}
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 30, 22, 45, 17, 123456789, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	}
}

func TestAppendRecordMatchesEncodingJSON(t *testing.T) {
	var full Record
	fill(reflect.ValueOf(&full).Elem(), 0)
	records := []Record{full, {}, {Seq: 1, Type: "UNKNOWN", Problems: []fixtures.Problem{}, Headers: map[string][]string{"A": nil}}}
	for _, g := range goldenRecords(t) {
		records = append(records, g.rec)
	}
	for i, rec := range records {
		want, err := json.Marshal(&rec)
		if err != nil {
			t.Fatal(err)
		}
		got := appendRecord(nil, &rec)
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("record %d: not JSON: %v\n%s", i, err, got)
		}
		if err := json.Unmarshal(want, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("record %d:\nappendRecord: %s\nencoding/json: %s", i, got, want)
		}
	}
}

func BenchmarkAppendRecord(b *testing.B) {
	rec := goldenRecords(b)[1].rec
	rec.Headers = map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Portant"}, "Content-Length": {"1027"}}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRecord(buf[:0], &rec)
	}
}
