package fetcher_test

import (
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestHugeTextCostsWhatIsServed: an account whose answers carry 1 MB
// titles (under the answer's 16 MiB bound) costs at most twice a normal
// account (every datacube endpoint), in the store and in memory: free text
// is cut to what is served before it is stored or kept.
func TestHugeTextCostsWhatIsServed(t *testing.T) {
	eps := wechat.DatacubeEndpoints()
	cost := func(title string) (stored, text int, heap uint64) {
		h := newHarness(t, beijing("2026-11-22 10:00"), fetcher.Config{Lookback: 7}, eps...)
		if title != "" {
			for _, ep := range eps {
				h.fake.Inject(wechattest.Fault{Endpoint: ep.Name, Rewrite: wechattest.WithField("title", title)})
			}
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		h.runAt(beijing("2026-11-22 10:00"))
		h.fake.ClearFaults() // the fake's rewrite holds a title of its own
		h.fake.Close()
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		for _, ep := range eps {
			days, err := h.store.Range("acc", ep.Name, 0, wechat.MustParseDate("2030-01-01"))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range days {
				stored += len(d.Rows)
			}
		}
		if s := h.served(wechat.GetArticleTotal); s == nil || len(s.Rows) == 0 {
			t.Fatal("getarticletotal not served")
		}
		for _, a := range h.state.Load().Accounts() {
			for _, e := range a.Endpoints {
				for _, r := range e.Rows {
					v := reflect.ValueOf(r)
					text += int(v.Type().Size()) + heldBytes(v)
				}
			}
		}
		return stored, text, after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
	}
	normalStore, normalText, normalHeap := cost("")
	hugeStore, hugeText, hugeHeap := cost(strings.Repeat("长", 350_000)) // 1 MB of UTF-8
	t.Logf("store %d against %d bytes (%.1f times); served rows %d against %d bytes; heap %d against %d KiB",
		hugeStore, normalStore, float64(hugeStore)/float64(normalStore), hugeText, normalText, hugeHeap>>10, normalHeap>>10)
	if hugeStore > 2*normalStore {
		t.Errorf("1 MB titles stored %d bytes, %.0f times a normal account's %d", hugeStore, float64(hugeStore)/float64(normalStore), normalStore)
	}
	if hugeText > 2*normalText {
		t.Errorf("1 MB titles: the served rows hold %d bytes, a normal account's %d", hugeText, normalText)
	}
	if hugeHeap > 2*normalHeap+4<<20 { // the heap is noisier: a bound for what the rows do not show
		t.Errorf("1 MB titles kept %d MiB in memory, a normal account %d MiB", hugeHeap>>20, normalHeap>>20)
	}
}

// heldBytes sums the memory v points to beyond its own: the bytes of its
// strings and the backing arrays of its slices, through structs.
func heldBytes(v reflect.Value) int {
	switch v.Kind() {
	case reflect.String:
		return v.Len()
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return 0
		}
		return int(v.Elem().Type().Size()) + heldBytes(v.Elem())
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += heldBytes(v.Field(i))
		}
		return n
	case reflect.Slice:
		n := v.Len() * int(v.Type().Elem().Size())
		for i := range v.Len() {
			n += heldBytes(v.Index(i))
		}
		return n
	}
	return 0
}
