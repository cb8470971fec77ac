package collector

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// FuzzSanitize serves articles with arbitrary titles and msgids: the
// exposition must stay valid and parse back with bounded, clean labels.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"马航丢画记", "bad \xff utf8", "a\nb\r\tc", `"\`, "} # EOF", strings.Repeat("x", 300), "\x00", "\u2028\u2029"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, title, msgid string) {
		s := sanitize(title, maxTitleRunes)
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxTitleRunes+1 || strings.ContainsAny(s, "\n\r\x00") {
			t.Fatalf("sanitize(%q) = %q", title, s)
		}
		d := wechat.MustParseDate("2026-11-21")
		state := served.NewState(map[string]string{"fx": "wx"})
		state.SetData("fx", "getarticlesummary", d, []wechat.Row{
			wechat.ArticleSummary{Ref: wechat.Ref{RefDate: d}, MsgID: wechat.FlexString(msgid), Title: wechat.FlexString(title), ReadCounts: wechat.ReadCounts{IntPageReadCount: wechat.CountOf(7)}},
			wechat.ArticleSummary{Ref: wechat.Ref{RefDate: d}, MsgID: wechat.FlexString(msgid + "x"), Title: wechat.FlexString(title + title), ReadCounts: wechat.ReadCounts{IntPageReadCount: wechat.CountOf(3)}},
		})
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(New(state))
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatalf("gather: %v", err)
		}
		var buf bytes.Buffer
		enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				t.Fatalf("encode: %v", err)
			}
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		parsed, err := parser.TextToMetricFamilies(&buf)
		if err != nil {
			t.Fatalf("exposition does not parse: %v\n%s", err, buf.String())
		}
		if parsed["wechat_article_post_reads"] == nil {
			t.Fatal("post series lost")
		}
	})
}
