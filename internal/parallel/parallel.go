// Package parallel runs independent pieces of work on every core.
package parallel

import (
	"runtime"
	"sync"
)

// For calls fn(i) for every i in [0, n), on as many goroutines as there
// are cores (worker w takes w, w+workers, ...), and returns when all are
// done. fn must be safe to call concurrently for different i.
func For(n int, fn func(i int)) {
	workers := max(1, min(n, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}(w)
	}
	wg.Wait()
}
