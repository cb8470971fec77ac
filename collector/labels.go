package collector

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// WeChat's enumerations as label values. A value not listed passes through
// as its number, so a channel WeChat adds tomorrow is still counted.
var (
	followSources = map[int64]string{0: "other", 1: "search", 17: "business_card", 30: "qr_code", 51: "after_payment",
		57: "article_account_name", 100: "ads", 149: "mini_program", 161: "repost", 176: "album", 200: "channels", 201: "live"}
	readSources = map[int64]string{0: "session", 1: "friends", 2: "moments", 3: "weibo", 4: "history", 5: "other",
		6: "kanyikan", 7: "souyisou"}
	shareScenes    = map[int64]string{1: "friends", 2: "moments", 3: "weibo", 255: "other"}
	msgTypes       = map[int64]string{1: "text", 2: "image", 3: "voice", 4: "video", 6: "link"}
	countIntervals = map[int64]string{0: "0", 1: "1-5", 2: "6-10", 3: ">10"}
)

// enumLabel is the label value of an enumeration's code (a key of the row,
// so known; an optional one absent reads as "").
func enumLabel(m map[int64]string, c wechat.Code) string {
	v, ok := c.Value()
	if !ok {
		return ""
	}
	if s, ok := m[v]; ok {
		return s
	}
	return strconv.FormatInt(v, 10)
}

// hours are the label values "00".."23".
var hours = func() [24]string {
	var h [24]string
	for i := range h {
		h[i] = fmt.Sprintf("%02d", i)
	}
	return h
}()

// hourLabel turns WeChat's HHMM ref_hour into "00".."23", passing other
// values through as their number.
func hourLabel(h wechat.Hourly) string {
	if i, ok := h.Hour(); ok {
		return hours[i]
	}
	v, _ := h.RefHour.Value()
	return strconv.FormatInt(v, 10)
}

// Bounds on free-text label values, so that one hostile article cannot
// blow up a scrape.
const (
	maxTitleRunes    = wechat.MaxTextRunes // what the fetcher keeps of any text
	maxMsgIDRunes    = 64
	maxNickNameRunes = 64
)

// sanitize makes free text a safe, bounded label value: invalid UTF-8 is
// repaired, control characters (newlines included) become spaces, runs of
// spaces fold, and the text is cut to max runes.
func sanitize(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space, n := false, 0
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			space = true
			continue
		}
		gap := space && b.Len() > 0 // a folded run of spaces before this rune
		if n+1+boolRunes(gap) > max {
			b.WriteString("…")
			break
		}
		if gap {
			b.WriteByte(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func boolRunes(b bool) int {
	if b {
		return 1
	}
	return 0
}
