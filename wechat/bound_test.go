package wechat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestBoundRaw: a stored row keeps every field as WeChat sent it, its
// strings longer than MaxTextRunes cut to that many runes (keys too), and
// stays valid JSON that decodes to what the cut typed row holds.
func TestBoundRaw(t *testing.T) {
	long := strings.Repeat("长", 1000)
	escaped := strings.Repeat(`\u957f`, 1000)
	emoji := strings.Repeat(`\ud83d\ude00`, 200)
	tests := []struct {
		name, row string
		same      bool
	}{
		{"short", `{"title":"短","msgid":"1_1"}`, true},
		{"at the bound", `{"title":"` + strings.Repeat("x", MaxTextRunes) + `","x":"` + strings.Repeat("长", MaxTextRunes) + `"}`, true},
		{"long title", `{"ref_date":"2026-11-21","title":"` + long + `","int_page_read_user":5}`, false},
		{"escaped", `{"title":"` + escaped + `"}`, false},
		{"surrogates", `{"title":"` + emoji + `"}`, false},
		{"quotes inside", `{"title":"` + strings.Repeat(`a\"b`, 300) + `"}`, false},
		{"long key", `{"` + long + `":1,"title":"t"}`, false},
		{"nested", `{"details":[{"stat_date":"2026-11-21","note":"` + long + `"}],"title":"x"}`, false},
		{"padded", `{"title":"t","pad":"` + strings.Repeat(" ", 5000) + `"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := boundRaw([]byte(tt.row))
			if !json.Valid(got) {
				t.Fatalf("not valid JSON: %.200s", got)
			}
			if tt.same != (string(got) == tt.row) {
				t.Errorf("changed %v, want %v: %.200s", string(got) != tt.row, !tt.same, got)
			}
			var before, after any
			_ = json.Unmarshal([]byte(tt.row), &before)
			_ = json.Unmarshal(got, &after)
			if !reflect.DeepEqual(cutAll(before), after) {
				t.Errorf("decodes to %.200v, want the row with its strings cut", after)
			}
			if again := boundRaw(got); string(again) != string(got) {
				t.Error("cutting twice changes the row again")
			}
		})
	}
}

// cutAll is a decoded JSON value with its strings (keys too) cut as a
// typed row's text fields are.
func cutAll(v any) any {
	switch x := v.(type) {
	case string:
		s, _ := cutText(x)
		return s
	case []any:
		for i := range x {
			x[i] = cutAll(x[i])
		}
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[cutAll(k).(string)] = cutAll(e)
		}
		return out
	}
	return v
}

func TestCutText(t *testing.T) {
	for _, s := range []string{"", "short", strings.Repeat("x", MaxTextRunes+1), strings.Repeat("长", MaxTextRunes+1), strings.Repeat("😀", 500)} {
		got, cut := cutText(s)
		if n := utf8.RuneCountInString(got); n > MaxTextRunes || !utf8.ValidString(got) || !strings.HasPrefix(s, got) || cut != (n < utf8.RuneCountInString(s)) {
			t.Errorf("cutText(%.20q...) = %.20q... (%d runes, cut %v)", s, got, n, cut)
		}
	}
}

// TestRowTooLarge: a row still larger than MaxRowBytes once its strings
// are cut (a broken upstream's padding of numbers) is left out and
// counted; the answer's other rows are kept.
func TestRowTooLarge(t *testing.T) {
	pad := strings.Repeat(`1,`, MaxRowBytes/2)
	list := `[{"ref_date":"2026-11-20","cumulate_user":1},{"ref_date":"2026-11-21","cumulate_user":2,"pad":[` + pad + `1]}]`
	var rep Report
	day := MustParseDate("2026-11-20")
	rows, raw, err := GetUserCumulate.rows.list([]byte(list), rowDay{asked: Range{day, day.AddDays(1)}, check: true}, true, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || len(raw) != 1 || rows[0].RowDate() != day || rep.Skipped[SkipTooLarge] != 1 {
		t.Errorf("%d rows kept (%v), skipped %v; want the small row, the large one left out as too_large", len(rows), rows, rep.Skipped)
	}
}
