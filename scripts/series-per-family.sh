#!/usr/bin/env bash
# Series per account per metric family, for the demo's three accounts (news
# is a publisher with every endpoint; shop's legacy article endpoints are
# offline; support is a plain account), as a Markdown table: what each
# family costs, for --metric-allowlist and --metric-denylist.
#
#   scripts/series-per-family.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
go build -o "$dir/wechat-exporter" .
port=$((20000 + RANDOM % 20000))
"$dir/wechat-exporter" --demo --storage.path="$dir/data" --web.listen-address="127.0.0.1:$port" --log.level=error &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
# Ready when every account has its callback baseline (the last to come).
until [ "$(curl -s "http://127.0.0.1:$port/metrics" | grep -c '^wechat_interface_callback_failures_baseline{')" -ge 3 ]; do sleep 1; done
sleep 2
curl -s "http://127.0.0.1:$port/metrics" | grep '^wechat_' | grep 'account="' |
  sed -E 's/^([a-z0-9_]+)\{.*account="([^"]+)".*/\1 \2/' | sort | uniq -c |
  awk '{n[$2 SUBSEP $3]=$1; fam[$2]=1; total[$3]+=$1}
    END {
      for (f in fam) printf "| `%s` | %d | %d | %d |\n", f, n[f SUBSEP "news"], n[f SUBSEP "shop"], n[f SUBSEP "support"]
      printf "| ~all | %d | %d | %d |\n", total["news"], total["shop"], total["support"]
    }' | sort | sed 's/^| ~all |/| **all** |/' |
  { echo "| family | news | shop | support |"; echo "|---|---|---|---|"; cat; }
