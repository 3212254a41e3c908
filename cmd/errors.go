package cmd

import (
	"errors"
	"fmt"
)

// Exit codes, decided in one place (Main).
const (
	exitOK          = 0
	exitFailed      = 1 // the check failed: invalid fixtures, non-2xx answers
	exitUsage       = 2 // usage errors, unreadable input, environment problems
	exitInterrupted = 130
)

// flagError is a usage mistake: Main prints it with a usage hint.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func flagErrorf(format string, args ...any) error {
	return &flagError{fmt.Errorf(format, args...)}
}

// exitError ends the run with Code. Its message, when it has one, is
// printed; a nil err means the command already said everything.
type exitError struct {
	Code int
	err  error
	// reported: the command wrote its report before it failed, so no
	// report of the error is written after it (reportUsageError).
	reported bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// errCheckFailed is returned by a command that printed its own report of
// what failed (validate, send): exit 1, nothing more to say.
var errCheckFailed = &exitError{Code: exitFailed}

// inputErrorf is for input the command cannot use: exit 2 with a message.
func inputErrorf(format string, args ...any) error {
	return &exitError{Code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode maps an error from a command to the process exit code.
func exitCode(err error, interrupted bool) int {
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.Code
	case interrupted:
		return exitInterrupted
	}
	return exitUsage
}
