package cmd

import "testing"

func TestColourEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		off  bool
	}{
		{"nothing set", nil, false},
		{"NO_COLOR=1", map[string]string{"NO_COLOR": "1"}, true},
		{"NO_COLOR=false is still set", map[string]string{"NO_COLOR": "false"}, true},
		{"NO_COLOR empty", map[string]string{"NO_COLOR": ""}, false},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, true},
		{"TERM=xterm-256color", map[string]string{"TERM": "xterm-256color"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", "")
			t.Setenv("TERM", "xterm")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			if got := systemStreams().colorOff; got != tc.off {
				t.Fatalf("colour off = %v, want %v", got, tc.off)
			}
		})
	}
}
