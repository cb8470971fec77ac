package store

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// mappedKB is the resident size of the process's mappings of the file at
// path, from /proc/self/smaps.
func mappedKB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatalf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	kb, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) >= 5 && strings.Contains(fields[0], "-") {
			in = strings.HasSuffix(line, " "+path)
			continue
		}
		if v, ok := strings.CutPrefix(line, "Rss:"); ok && in {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			kb += n
		}
	}
	return kb
}

// TestReadsDoNotStayMapped: reading a store larger than dropMappedEvery
// leaves at most dropMappedEvery of it resident, and what is read after
// the pages were dropped is what was written.
func TestReadsDoNotStayMapped(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	path, _ := filepath.EvalSymlinks(filepath.Join(dir, FileName))
	// 48 MiB of records: 48 accounts of 16 days of 64 KiB.
	row := `[{"ref_date":"2026-11-01","x":"` + strings.Repeat("a", 64<<10) + `"}]`
	for a := 0; a < 48; a++ {
		var days []Day
		for d := 0; d < 16; d++ {
			days = append(days, Day{Date: day("2026-11-01").AddDays(d), Rows: json.RawMessage(row)})
		}
		if err := s.Put(fmt.Sprint("acc", a), "getusercumulate", days); err != nil {
			t.Fatal(err)
		}
	}
	drops := s.drops.Load()
	peak := 0
	for a := 0; a < 48; a++ {
		got, err := s.Range(fmt.Sprint("acc", a), "getusercumulate", 0, day("2030-01-01"))
		if err != nil || len(got) != 16 || string(got[15].Rows) != row {
			t.Fatalf("acc%d: %d days, %v", a, len(got), err)
		}
		peak = max(peak, mappedKB(t, path))
	}
	if s.drops.Load() <= drops {
		t.Fatal("48 MiB read and the mapped pages never dropped")
	}
	if limit := (dropMappedEvery + 8<<20) >> 10; peak > limit {
		t.Errorf("up to %d KiB of the file resident while reading it, want at most %d", peak, limit)
	}
	if peak == 0 {
		t.Error("the file's mapping never seen resident: the measure is broken")
	}
}
