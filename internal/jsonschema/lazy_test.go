package jsonschema

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// TestMain checks the one change from upstream before any test compiles
// anything: package init compiles no metaschema, and the first Compile
// calls, racing each other, compile them once and validate schemas
// against them.
func TestMain(m *testing.M) {
	if err := checkLazyMetaschemas(); err != nil {
		fmt.Fprintln(os.Stderr, "lazy metaschemas:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func checkLazyMetaschemas() error {
	for _, d := range []*Draft{Draft4, Draft6, Draft7, Draft2019, Draft2020} {
		if d.sch != nil {
			return fmt.Errorf("%s's metaschema was compiled before the first Compile", d)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			c := NewCompiler()
			if i%2 == 0 {
				_ = c.AddResource("bad.json", map[string]any{"type": 5.0})
				_, err := c.Compile("bad.json")
				if err == nil || !strings.Contains(err.Error(), "type") {
					errs[i] = fmt.Errorf("a schema with \"type\": 5 compiled (error %v): metaschema not applied", err)
				}
				return
			}
			_ = c.AddResource("good.json", map[string]any{"type": "string"})
			if _, err := c.Compile("good.json"); err != nil {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for _, d := range []*Draft{Draft4, Draft6, Draft7, Draft2019, Draft2020} {
		if d.sch == nil {
			return fmt.Errorf("%s's metaschema was not compiled by the first Compile", d)
		}
	}
	return nil
}
