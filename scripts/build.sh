#!/bin/sh
# Builds wechat-exporter with its version information, which --version and
# the wechat_exporter_build_info metric report: version, revision, branch,
# build user and build date. Each comes from the environment variable of
# the same name if set (the Dockerfile passes its build arguments so),
# else: the version from the tag at HEAD, or the VERSION file (a clone has
# no tags); the rest from git, the user, the host and the clock.
#
#   scripts/build.sh [OUTPUT]        (default: ./wechat-exporter)
#   CGO_ENABLED=0 scripts/build.sh   (a static binary, as the image has)
set -eu
out=${1:-wechat-exporter}
case $out in /*) ;; *) out=$PWD/$out ;; esac
cd "$(dirname "$0")/.."
: "${VERSION:=$(git describe --tags --exact-match 2>/dev/null || echo "v$(cat VERSION 2>/dev/null || echo 0.0.0-dev)")}"
: "${REVISION:=$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
: "${BRANCH:=$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)}"
: "${BUILD_USER:=$(id -un 2>/dev/null || echo unknown)@$(hostname 2>/dev/null || echo unknown)}"
: "${BUILD_DATE:=$(date -u +%Y%m%d-%H:%M:%S)}"
v=github.com/prometheus/common/version
exec go build -trimpath -o "$out" -ldflags "-s -w \
  -X $v.Version=$VERSION -X $v.Revision=$REVISION -X $v.Branch=$BRANCH \
  -X $v.BuildUser=$BUILD_USER -X $v.BuildDate=$BUILD_DATE" .
