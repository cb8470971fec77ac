package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// fill writes a store of a few MiB in dir and returns its file's bytes.
func fill(t *testing.T, dir string) []byte {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	row := strings.Repeat(`{"ref_date":"2026-11-01","cumulate_user":123456789},`, 40)
	rows := json.RawMessage("[" + strings.TrimSuffix(row, ",") + "]")
	for a := 0; a < 40; a++ {
		var days []Day
		for d := day("2026-10-01"); d <= day("2026-11-21"); d++ {
			days = append(days, Day{Date: d, FetchedOn: d + 1, Rows: rows})
		}
		if err := s.Put(fmt.Sprintf("acc%02d", a), "getusercumulate", days); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutRenders(map[string][]byte{"acc00": bytes.Repeat([]byte("x"), 100000)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2<<20 {
		t.Fatalf("store of %d bytes, want a few MiB", len(b))
	}
	return b
}

// TestDamagedFileMovedAside: a store file cut short (as a full disk or a
// bad copy leaves it), emptied, or with no valid meta page, never crashes
// the process. Open moves it aside under a name with the time, says so,
// and starts an empty store that works; the moved file keeps every byte.
func TestDamagedFileMovedAside(t *testing.T) {
	good := fill(t, t.TempDir())
	garbage := append([]byte(nil), good...)
	for i := 0; i < 2*4096; i++ {
		garbage[i] = byte(i * 7)
	}
	for name, damaged := range map[string][]byte{
		"empty":            {},
		"cut to 8 KiB":     good[:8<<10],
		"cut to 1 MiB":     good[:1<<20],
		"cut mid-page":     good[:len(good)/2+100],
		"meta pages wiped": garbage,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(dir)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			r := s.Recovered()
			if r == nil {
				t.Fatal("the damaged file was not reported")
			}
			if !strings.HasPrefix(r.MovedTo, path+".damaged-") || r.Reason == "" {
				t.Errorf("moved to %q (%s)", r.MovedTo, r.Reason)
			}
			if kept, err := os.ReadFile(r.MovedTo); err != nil || !bytes.Equal(kept, damaged) {
				t.Errorf("the moved file does not hold the damaged bytes: %v", err)
			}
			if days, err := s.Latest("acc01", "getusercumulate", 5); err != nil || len(days) != 0 {
				t.Errorf("new store: %d days, %v", len(days), err)
			}
			if err := s.Put("acc01", "getusercumulate", []Day{{Date: day("2026-11-21"), Rows: json.RawMessage(`[]`)}}); err != nil {
				t.Errorf("new store: %v", err)
			}
		})
	}
}

// TestIntactFileNotMoved: a good store opens as it is.
func TestIntactFileNotMoved(t *testing.T) {
	dir := t.TempDir()
	fill(t, dir)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := s.Recovered(); r != nil {
		t.Fatalf("an intact store was moved aside: %+v", r)
	}
	if days, err := s.Latest("acc39", "getusercumulate", 3); err != nil || len(days) != 3 {
		t.Errorf("%d days, %v", len(days), err)
	}
}

// TestDamagedPagesNeverCrash overwrites pages in the middle of a store
// (which no check at start can afford to read) and reads everything: reads
// fail with errors, the process does not crash.
func TestDamagedPagesNeverCrash(t *testing.T) {
	dir := t.TempDir()
	b := fill(t, dir)
	for off := len(b) / 4; off < len(b)*3/4; off += 4096 * 7 {
		copy(b[off:off+4096], bytes.Repeat([]byte{0xff, 0x13, 0x00, 0x42}, 1024))
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Logf("Open refused the file: %v", err)
		return
	}
	defer s.Close()
	failures := 0
	for a := 0; a < 40; a++ {
		acc := fmt.Sprintf("acc%02d", a)
		if _, err := s.Range(acc, "getusercumulate", 0, day("2030-01-01")); err != nil {
			failures++
		}
		if _, err := s.Latest(acc, "getusercumulate", 30); err != nil {
			failures++
		}
		if _, _, err := s.CachedRender(acc, []Served{{Endpoint: "getusercumulate", Days: 30}}); err != nil {
			failures++
		}
		_ = s.Put(acc, "getusersummary", []Day{{Date: day("2026-11-21"), Rows: json.RawMessage(`[]`)}})
	}
	t.Logf("%d reads failed with an error", failures)
}

var _ = wechat.Date(0)
