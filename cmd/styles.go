package cmd

import "github.com/charmbracelet/lipgloss"

// The palette every command shares.
var (
	colorGood   = lipgloss.Color("42")  // green
	colorBad    = lipgloss.Color("203") // red
	colorAccent = lipgloss.Color("39")  // blue
)
