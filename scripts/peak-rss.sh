#!/usr/bin/env bash
# Peak resident memory of the exporter serving N demo accounts (default
# 1000): it builds the exporter, runs it on the built-in fake and scrapes
# /metrics with gzip every SCRAPE seconds (default 1; a Prometheus scrapes
# every 15 s or more) for as long as it runs: through the first fetch cycle
# and the quota round, and while it stops (SIGTERM, which saves its render
# cache). It prints the process's VmHWM, read until the process has
# exited. Then it starts the exporter again on the same store and prints
# the VmHWM of the restart once its stored rows are decoded and the first
# pass is done, again through the stop. With SHARD and TOTAL, the exporter
# is that shard of TOTAL (--shard, --total-shards) over the ACCOUNTS demo
# accounts. The CPU time the process used is printed with each figure.
# The environment passes to the exporter (GOGC, GOMEMLIMIT). POLL is the
# seconds between the scrapes that watch for the end of the first cycle
# (default 5); each is a whole plain /metrics, so many shards on few cores
# want a longer one: the ten shards of 10,000 accounts on 2 cores were
# measured with POLL=60 (and SCRAPE=15).
#
#   scripts/peak-rss.sh [ACCOUNTS [SHARD TOTAL]]
set -euo pipefail
n=${1:-1000}
shard=${2:-0}
total=${3:-1}
poll=${POLL:-5}
scrape=${SCRAPE:-1}
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
scraper=
trap 'kill $scraper $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT

# scrape_all scrapes with gzip every $scrape seconds until killed.
scrape_all() {
  while :; do
    curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics" || true
    sleep "$scrape"
  done
}
scrape_all &
scraper=$!

# stop_and_report stops the exporter (it saves its render cache) while the
# scrapes go on, and prints its peak memory and CPU time as last read
# before it exited.
stop_and_report() {
  kill -TERM "$pid"
  local last=""
  while [ -e "/proc/$pid/status" ]; do
    now=$(report 2>/dev/null) || break
    [ -n "$now" ] && last=$now
    sleep 0.1
  done
  wait "$pid" || true
  printf '%s\n' "$last"
}

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
size=$(curl -s "http://127.0.0.1:$port/metrics" | wc -c)
series=$(curl -s "http://127.0.0.1:$port/metrics" | grep -vc '^#')
echo "/metrics: $series series, $((size / 1024 / 1024)) MiB; gzip scrapes every $scrape s"
echo "first start, through the stop:"
stop_and_report

echo "restart on the same store:"
start_exporter info
until curl -s -o /dev/null "http://127.0.0.1:$port/metrics"; do sleep 0.2; done
grep -o 'from_render_cache=[0-9]*' "$dir/log" || true
# The cached accounts' rows are decoded in the background; the fetcher's
# first pass (which finds the store complete) follows.
# It is done when the successes counted stop changing.
ok_count() { curl -s "http://127.0.0.1:$port/metrics" | grep '^wechat_datacube_last_fetch_success{' | grep -c '} 1$' || true; }
before=0
while :; do
  now=$(ok_count)
  [ "$now" -gt 0 ] && [ "$now" -eq "$before" ] && break
  before=$now
  sleep 3
done
stop_and_report
