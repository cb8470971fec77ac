#!/usr/bin/env bash
# What a year of history costs in Prometheus: backfills DAYS days (default
# 365) of one demo account, then turns the OpenMetrics file into TSDB blocks
# with promtool twice, with its default blocks (2 hours) and with the
# README's --max-block-duration, and prints the blocks, their size on disk
# and the time each took.
#
#   scripts/history-cost.sh [DAYS]
set -euo pipefail
days=${1:-365}
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/wechat-exporter" .
to=$(TZ=Asia/Shanghai date -d yesterday +%F)
from=$(TZ=Asia/Shanghai date -d "$days days ago" +%F)
start=$(date +%s%N)
"$dir/wechat-exporter" backfill --demo --demo.accounts=1 --storage.path="$dir/store" \
  --from="$from" --to="$to" --output="$dir/history.om" --label=job=wechat --label=instance=exporter:10070 \
  --log.level=warn 2>/dev/null
echo "backfill of $days days of one account: $(( ($(date +%s%N) - start) / 1000000 )) ms, $(du -m "$dir/history.om" | cut -f1) MiB of OpenMetrics, $(grep -vc '^#' "$dir/history.om") samples"
for blocks in default 486h; do
  flag=()
  [ "$blocks" = default ] || flag=(--max-block-duration="$blocks")
  start=$(date +%s%N)
  promtool tsdb create-blocks-from openmetrics -q "${flag[@]}" "$dir/history.om" "$dir/blocks-$blocks" >/dev/null
  took=$(( ($(date +%s%N) - start) / 1000000 ))
  n=$(find "$dir/blocks-$blocks" -mindepth 1 -maxdepth 1 -type d | wc -l)
  echo "promtool, ${blocks} blocks: $n blocks, $(du -sh "$dir/blocks-$blocks" | cut -f1), $took ms"
done
