//go:build !linux

package exportertest

import "os/exec"

// DieWithTest is, outside Linux, the test's cleanup only: there is no
// parent-death signal, and a test process killed outright may leave its
// children (.ci/run, on Linux, fails if any is left).
func DieWithTest(*exec.Cmd) {}
