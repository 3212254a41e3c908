package cmd

import (
	"io"
	"os"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"
)

// IOStreams are the streams a command reads and writes, and whether each
// takes colour. Data goes to Out; banners, progress and warnings to Err.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	OutTTY bool
	ErrTTY bool
	// OutWidth is the width of Out's terminal in columns, 0 when Out is not
	// a terminal (or does not say).
	OutWidth int
	colorOff bool // NO_COLOR, TERM=dumb or --no-color
}

// systemStreams returns the process's streams.
func systemStreams() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		OutTTY:   isTerminal(os.Stdout),
		ErrTTY:   isTerminal(os.Stderr),
		OutWidth: terminalWidth(os.Stdout),
		colorOff: envDisablesColor(os.Getenv),
	}
}

func terminalWidth(f *os.File) int {
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// envDisablesColor follows no-color.org: NO_COLOR set to a non-empty value
// (any value: it is not a boolean) turns colour off, an empty one does not.
// A dumb terminal (TERM=dumb: Emacs shell buffers, some CI logs) cannot show
// escape sequences either.
func envDisablesColor(getenv func(string) string) bool {
	return getenv("NO_COLOR") != "" || getenv("TERM") == "dumb"
}

// Test returns streams backed by the given reader and writers, not
// terminals, so colour is off.
func Test(in io.Reader, out, errOut io.Writer) *IOStreams {
	return &IOStreams{In: in, Out: out, Err: errOut}
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// ColorOut reports whether Out takes colour.
func (s *IOStreams) ColorOut() bool { return s.OutTTY && !s.colorOff }

// ColorErr reports whether Err takes colour.
func (s *IOStreams) ColorErr() bool { return s.ErrTTY && !s.colorOff }

// DisableColor turns colour off for both streams (--no-color).
func (s *IOStreams) DisableColor() { s.colorOff = true }

// renderer returns a lipgloss renderer for w with colour on or off, so
// styles never guess from the environment.
func renderer(w io.Writer, color bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}
