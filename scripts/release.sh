#!/bin/sh
# Builds the release archives: a static binary for each of linux and darwin
# on amd64 and arm64, with its version information (scripts/build.sh), in
# wechat-exporter-VERSION.OS-ARCH.tar.gz beside everything the README and
# the documentation link to: LICENSE, README, CHANGELOG, CONTRIBUTING,
# SECURITY.md, VERSION, docs/, examples/ (the example configuration, the
# alert rules, the compose stack, Kubernetes), dashboards/, mixin/ and the
# Helm chart; and sha256sums.txt, the SHA-256 of every archive
# (`sha256sum -c sha256sums.txt` checks them). .ci/run checks that no
# relative link of the archive's documentation is dead.
#
#   scripts/release.sh [OUTDIR]            (default: dist)
#
# The version is the VERSION file's (v prefixed), which CHANGELOG's newest
# release agrees with (a test holds them so); a tag at HEAD must be it, and
# the VERSION environment variable overrides both. The archives are
# reproducible: the build date is the commit's (or SOURCE_DATE_EPOCH's),
# the files' times and owners in the archive are fixed, and the same commit,
# version and Go version give the same bytes (.ci/run builds twice and
# compares).
set -eu
out=${1:-dist}
case $out in /*) ;; *) out=$PWD/$out ;; esac
cd "$(dirname "$0")/.."

if [ -z "${VERSION:-}" ]; then
  VERSION=v$(cat VERSION)
  if tag=$(git describe --tags --exact-match 2>/dev/null) && [ "$tag" != "$VERSION" ]; then
    echo "release.sh: HEAD is tagged $tag, but VERSION says $VERSION: bump VERSION (and CHANGELOG) with the tag" >&2
    exit 2
  fi
fi
case $VERSION in
  v[0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "release.sh: VERSION $VERSION is not of the form vMAJOR.MINOR.PATCH" >&2; exit 2 ;;
esac
: "${SOURCE_DATE_EPOCH:=$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
: "${BUILD_DATE:=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d-%H:%M:%S)}"
: "${BUILD_USER:=release}"
export VERSION BUILD_DATE BUILD_USER

mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
archives=
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64; do
  os=${target%/*} arch=${target#*/}
  name=wechat-exporter-${VERSION#v}.$os-$arch
  dir=$stage/$name
  mkdir -p "$dir/dashboards" "$dir/mixin/dashboards" "$dir/charts"
  echo "== $name"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch sh scripts/build.sh "$dir/wechat-exporter"
  cp LICENSE README.md CHANGELOG.md CONTRIBUTING.md SECURITY.md VERSION "$dir/"
  cp -R docs examples "$dir/"
  cp dashboards/*.json "$dir/dashboards/"
  cp mixin/*.libsonnet "$dir/mixin/"
  cp mixin/dashboards/*.json "$dir/mixin/dashboards/"
  cp -R charts/wechat-exporter "$dir/charts/"
  # Fixed order, times and owners, and gzip without a name or time: the
  # same inputs give the same archive.
  tar -C "$stage" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -cf - "$name" | gzip -n -9 >"$out/$name.tar.gz"
  archives="$archives $name.tar.gz"
done
# shellcheck disable=SC2086 # the names have no spaces
(cd "$out" && sha256sum $archives >sha256sums.txt)
echo "== $out"
cat "$out/sha256sums.txt"
