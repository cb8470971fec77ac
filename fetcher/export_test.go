package fetcher

import "time"

// NextWake is when Run would next look for due work: for tests that
// step a fake clock from one to the next, as Run does.
func NextWake(f *Fetcher) time.Time { return f.nextWake() }
