package exportertest

import (
	"os/exec"
	"syscall"
)

// DieWithTest makes cmd's process die with the test process that starts
// it, however that ends (a timeout, ^C, SIGKILL): Linux sends it SIGKILL
// when its parent goes.
func DieWithTest(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
