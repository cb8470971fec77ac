#!/usr/bin/env bash
# Peak resident memory of the exporter serving N demo accounts (default
# 1000): it builds the exporter, runs it on the built-in fake, waits for the
# first fetch cycle to complete, scrapes /metrics a few times as Prometheus
# does (gzip), and prints the process's VmHWM. Then it stops the exporter
# (which saves its render cache), starts it again on the same store, and
# prints the VmHWM of the restart once its stored rows are decoded and
# scraped. With SHARD and TOTAL, the exporter is that shard of TOTAL
# (--shard, --total-shards) over the ACCOUNTS demo accounts. The CPU time
# the process used is printed with each figure. The environment passes to
# the exporter (GOGC, GOMEMLIMIT). POLL is the seconds between the scrapes
# that watch for the end of the first cycle (default 5); each is a whole
# plain /metrics, so many shards on few cores want a longer one: the ten
# shards of 10,000 accounts on 2 cores were measured with POLL=60.
#
#   scripts/peak-rss.sh [ACCOUNTS [SHARD TOTAL]]
set -euo pipefail
n=${1:-1000}
shard=${2:-0}
total=${3:-1}
poll=${POLL:-5}
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
go build -o "$dir/wechat-exporter" .
port=$((20000 + RANDOM % 20000))
start_exporter() {
  "$dir/wechat-exporter" --demo --demo.accounts="$n" --storage.path="$dir/data" --shard="$shard" --total-shards="$total" \
    --web.listen-address="127.0.0.1:$port" --log.level="$1" 2>"$dir/log" &
  pid=$!
}
start_exporter error
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT

# report prints the process's peak and current memory and its CPU time.
report() {
  grep -E 'VmHWM|VmRSS|RssAnon|RssFile' "/proc/$pid/status"
  # utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "CPU: %.0f s\n", ($12 + $13) / hz }' "/proc/$pid/stat"
}

start=$(date +%s)
# The first cycle is complete when every account reports success for every
# endpoint (the number of endpoints is read off the statuses themselves).
while :; do
  metrics=$(curl -s "http://127.0.0.1:$port/metrics" || true) # not listening yet: try again
  status=$(printf '%s\n' "$metrics" | grep '^wechat_datacube_last_fetch_success{' || true)
  statuses=$(printf '%s\n' "$status" | grep -c . || true)
  ok=$(printf '%s\n' "$status" | grep -c '} 1$' || true)
  # endpoints WeChat reports offline (the demo's shop) are settled too
  offline=$(printf '%s\n' "$metrics" | grep -c '^wechat_datacube_endpoint_unavailable{' || true)
  # every account has every datacube endpoint (their names start with
  # get); only the publisher (news) has the ad endpoints and user_get, and
  # every account the quota
  datacube=$(printf '%s\n' "$status" | grep -c 'endpoint="get' || true)
  endpoints=$( (printf '%s\n' "$status" | grep -o 'endpoint="[a-z]*"' || true) | sort -u | wc -l)
  # the shard's accounts are all listed at once (wechat_account_info)
  mine=$(printf '%s\n' "$metrics" | grep -c '^wechat_account_info{' || true)
  if [ "$mine" -gt 0 ] && [ "$endpoints" -ge 17 ] && [ "$datacube" -eq $((mine * 21)) ] && [ $((ok + offline)) -eq "$statuses" ]; then
    break
  fi
  sleep "$poll"
done
echo "first fetch cycle of $mine accounts (shard $shard of $total over $n): about $(( $(date +%s) - start )) s"
for _ in 1 2 3; do
  curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics"
done
size=$(curl -s "http://127.0.0.1:$port/metrics" | wc -c)
series=$(curl -s "http://127.0.0.1:$port/metrics" | grep -vc '^#')
echo "/metrics: $series series, $((size / 1024 / 1024)) MiB"
report

echo "restart on the same store:"
kill -TERM $pid
wait $pid || true
start_exporter info
until curl -s -o /dev/null "http://127.0.0.1:$port/metrics"; do sleep 0.2; done
grep -o 'from_render_cache=[0-9]*' "$dir/log" || true
# The cached accounts' rows are decoded in the background; the fetcher's
# first pass (which finds the store complete) follows.
until curl -s "http://127.0.0.1:$port/metrics" | grep '^wechat_datacube_last_fetch_success{' >/dev/null; do sleep 1; done
for _ in 1 2 3; do
  curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics"
done
report
