package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

// TestGarbageCollectionTarget: the exporter runs at --runtime.gogc
// (DefaultGOGC unless given), GOGC in the environment wins, and a
// percentage that is not positive is refused as a usage error.
func TestGarbageCollectionTarget(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  string // GOGC; "" for unset
		args []string
		want string
	}{
		{"default", "", nil, "go_gc_gogc_percent 50\n"},
		{"flag", "", []string{"--runtime.gogc=70"}, "go_gc_gogc_percent 70\n"},
		{"environment wins", "80", []string{"--runtime.gogc=70"}, "go_gc_gogc_percent 80\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.env)
			if tc.env == "" {
				os.Unsetenv("GOGC") // t.Setenv restores it afterwards
			}
			_, addr, _ := exportertest.Start(t, append([]string{"--demo", "--log.level=warn"}, tc.args...)...)
			_, body := exportertest.Get(t, "http://"+addr+"/metrics?data=false")
			if !strings.Contains(body, tc.want) {
				t.Errorf("want %q in /metrics; the line is %q", tc.want, line(body, "go_gc_gogc_percent "))
			}
		})
	}
	cmd := exec.Command(os.Args[0], "--demo", "--runtime.gogc=0")
	cmd.Env = exportertest.Env(t)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "--runtime.gogc must be a positive percentage") {
		t.Errorf("--runtime.gogc=0: %v\n%s", err, out)
	}
}

// line is the first line of text that starts with prefix.
func line(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
