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
	In       io.Reader
	Out      io.Writer
	Err      io.Writer
	OutTTY   bool
	ErrTTY   bool
	colorOff bool // NO_COLOR or --no-color
}

// System returns the process's streams.
func System() *IOStreams {
	_, noColor := os.LookupEnv("NO_COLOR") // any value, even empty, turns colour off
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		OutTTY:   isTerminal(os.Stdout),
		ErrTTY:   isTerminal(os.Stderr),
		colorOff: noColor,
	}
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

// Renderer returns a lipgloss renderer for w with colour on or off, so
// styles never guess from the environment.
func Renderer(w io.Writer, color bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}
