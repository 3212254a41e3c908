package replay

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseRate reads a --rate: "50" or "50/s" (per second), "300/m", "1/500ms",
// "2/1h"; "0" or "" is no limit. It returns requests per second.
func ParseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	num, per, hasPer := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 || n != n || n > 1e9 {
		return 0, fmt.Errorf("rate %q: expected a number of requests per time unit, like 50/s or 300/m", s)
	}
	unit := time.Second
	if hasPer {
		per = strings.TrimSpace(per)
		switch per {
		case "s", "sec", "second":
			unit = time.Second
		case "m", "min", "minute":
			unit = time.Minute
		case "h", "hour":
			unit = time.Hour
		default:
			d, err := time.ParseDuration(per)
			if err != nil || d <= 0 {
				return 0, fmt.Errorf("rate %q: %q is not a time unit: use s, m, h or a duration like 500ms", s, per)
			}
			unit = d
		}
	}
	return n / unit.Seconds(), nil
}
