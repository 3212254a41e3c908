//go:build !linux

package capture

import "errors"

func mount(string, int) error { return errors.New("tmpfs is Linux only") }

func unmount(string) {}
