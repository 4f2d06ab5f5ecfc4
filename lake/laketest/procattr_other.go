//go:build !linux

package laketest

import "os/exec"

// setParentDeathSignal is a no-op where the kernel offers no such signal;
// Main still stops the server.
func setParentDeathSignal(*exec.Cmd) {}
