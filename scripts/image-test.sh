#!/usr/bin/env bash
# Builds the image from the Dockerfile as it is and checks it works as
# shipped: --version reports the build arguments; `IMAGE --demo` serves
# /metrics through a published port; it carries the OCI labels of its
# source, version, revision and licence; a run with an overridden
# --storage.path inside the /data volume writes its store there as the
# image user (65532), which proves both that every flag can be overridden
# and that the volume is writable by the exporter.
#
#   scripts/image-test.sh [podman|docker]
set -euo pipefail
engine=${1:-podman}
cd "$(dirname "$0")/.."
image=localhost/wechat-exporter:image-test
volume=wechat-exporter-image-test-$$
containers=()
cleanup() {
  for c in "${containers[@]}"; do "$engine" rm -f "$c" >/dev/null 2>&1 || true; done
  "$engine" volume rm -f "$volume" >/dev/null 2>&1 || true
}
trap cleanup EXIT

build_args=(--build-arg VERSION=image-test --build-arg REVISION=0123abc --build-arg BRANCH=ci
  --build-arg BUILD_USER=ci@image-test --build-arg BUILD_DATE=20261201-00:00:00)
pull=()
if [ "$engine" = podman ]; then pull=(--pull=never --network=host); fi
"$engine" build -q "${pull[@]}" "${build_args[@]}" -t "$image" . >/dev/null
echo "built $image"

version=$("$engine" run --rm "$image" --version 2>&1)
for want in "version image-test" "revision: 0123abc" "branch: ci" "build user: +ci@image-test" "build date: +20261201-00:00:00"; do
  if ! grep -qE -- "$want" <<<"$version"; then
    echo "--version lacks \"$want\":" >&2
    echo "$version" >&2
    exit 1
  fi
done
echo "--version reports the build arguments"

for want in org.opencontainers.image.version=image-test org.opencontainers.image.revision=0123abc \
  org.opencontainers.image.source=https://github.com/wechat-exporter/wechat-exporter org.opencontainers.image.licenses=Apache-2.0; do
  key=${want%%=*}
  got=$("$engine" image inspect --format "{{ index .Config.Labels \"$key\" }}" "$image")
  if [ "$got" != "${want#*=}" ]; then
    echo "the image's label $key is \"$got\", want \"${want#*=}\"" >&2
    exit 1
  fi
done
echo "the image carries the OCI labels"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_metrics PORT: waits until /metrics serves the demo's data.
wait_metrics() {
  for _ in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$1/metrics" | grep -q '^wechat_user_followers{'; then return 0; fi
    sleep 0.5
  done
  echo "no data at http://127.0.0.1:$1/metrics" >&2
  return 1
}

port=$(free_port)
containers+=("$("$engine" run -d -p "127.0.0.1:$port:10070" "$image" --demo)")
wait_metrics "$port" || { "$engine" logs "${containers[-1]}" >&2; exit 1; }
info=$(curl -sf "http://127.0.0.1:$port/metrics" | grep '^wechat_exporter_build_info{')
for want in 'version="image-test"' 'revision="0123abc"' 'branch="ci"' 'build_user="ci@image-test"' 'build_date="20261201-00:00:00"'; do
  if ! grep -qF -- "$want" <<<"$info"; then
    echo "wechat_exporter_build_info lacks $want: $info" >&2
    exit 1
  fi
done
echo "IMAGE --demo serves /metrics on a published port, with the build information"

"$engine" volume create "$volume" >/dev/null
port=$(free_port)
containers+=("$("$engine" run -d -p "127.0.0.1:$port:10070" -v "$volume:/data" "$image" --demo --storage.path=/data/store)")
wait_metrics "$port" || { "$engine" logs "${containers[-1]}" >&2; exit 1; }
"$engine" stop -t 20 "${containers[-1]}" >/dev/null
db=$("$engine" volume inspect --format '{{.Mountpoint}}' "$volume")/store/wechat-exporter.db
if [ ! -s "$db" ]; then
  echo "no store written at --storage.path=/data/store in the volume ($db)" >&2
  exit 1
fi
uid=$(stat -c %u "$db")
if [ "$uid" != 65532 ]; then
  echo "the store in the volume belongs to uid $uid, not the image user 65532" >&2
  exit 1
fi
echo "--storage.path overridden: the store was written in the volume by uid 65532"
