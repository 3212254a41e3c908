//go:build unix

package cmd

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A second Ctrl-C ends portant-hooks even when the command cannot stop on
// the first: here validate is stuck reading a named pipe whose writer
// never writes. (The test binary runs as portant-hooks: see TestMain.)
func TestASecondInterruptEndsAStuckCommand(t *testing.T) {
	pipe := filepath.Join(t.TempDir(), "stuck.json")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	cmd := exec.Command(os.Args[0], "validate", pipe)
	cmd.Args[0] = "portant-hooks"
	cmd.Env = append(os.Environ(), outputLogEnv+"=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// An open for writing that does not wait fails (ENXIO) until validate
	// has the pipe open for reading, past Main's signal setup.
	var w *os.File
	for deadline := time.Now().Add(10 * time.Second); ; {
		var err error
		if w, err = os.OpenFile(pipe, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			break
		}
		if !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline) {
			t.Fatalf("validate never opened the pipe: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	defer w.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for i := 1; ; i++ {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
				t.Fatalf("ended with %v, want killed by an interrupt", err)
			}
			if i == 1 {
				t.Fatal("the first interrupt killed it: it should have asked the command to stop")
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
		if i == 25 {
			t.Fatal("still running after 25 interrupts: the second should end it")
		}
	}
}
