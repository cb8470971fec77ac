package served

import (
	"fmt"
	"testing"
)

// TestAccountVec: every size (an empty vector, one leaf, several levels),
// every position readable and replaceable, older versions unchanged.
func TestAccountVec(t *testing.T) {
	for _, n := range []int{0, 1, 31, 32, 33, 1024, 1025, 40000} {
		list := make([]*Account, n)
		for i := range list {
			list[i] = &Account{Name: fmt.Sprintf("a%06d", i)}
		}
		v := newAccountVec(list)
		if v.len() != n || len(v.all()) != n {
			t.Fatalf("n=%d: len %d, all %d", n, v.len(), len(v.all()))
		}
		for i, a := range v.all() {
			if a != list[i] || v.at(i) != list[i] || v.position(a.Name) != i {
				t.Fatalf("n=%d: position %d holds %v", n, i, a)
			}
		}
		if v.position("missing") != -1 {
			t.Errorf("n=%d: a missing name has a position", n)
		}
		w := v
		for i := 0; i < n; i += max(1, n/97) {
			w = w.with(i, &Account{Name: list[i].Name, AppID: "changed"})
		}
		for i := 0; i < n; i += max(1, n/97) {
			if w.at(i).AppID != "changed" || v.at(i).AppID != "" {
				t.Fatalf("n=%d: position %d: new %q, old %q", n, i, w.at(i).AppID, v.at(i).AppID)
			}
		}
		if n > 2 && w.at(2) != list[2] && n/97 > 2 {
			t.Errorf("n=%d: an untouched position changed", n)
		}
	}
}
