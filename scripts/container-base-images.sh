#!/usr/bin/env bash
# Makes the two base images the Dockerfile names, from this machine's own
# files, for machines that cannot pull from a registry (CI): a Go toolchain
# image (the machine's Go, a static busybox as /bin/sh, the CA bundle so
# that module downloads work) tagged docker.io/library/golang:1.26, and a
# stand-in for distroless/static (CA bundle, passwd and group with the
# nonroot user 65532, /tmp) tagged gcr.io/distroless/static-debian12:nonroot.
# An image already present under either name is left alone.
#
# Needs root, podman and buildah (apt-get install podman buildah runc
# busybox-static).
set -euo pipefail

golang=docker.io/library/golang:1.26
distroless=gcr.io/distroless/static-debian12:nonroot
certs=/etc/ssl/certs/ca-certificates.crt

if ! podman image exists "$golang"; then
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  goroot=$(go env GOROOT)
  mkdir -p "$mnt/usr/local" "$mnt/bin" "$mnt/etc/ssl/certs" "$mnt/tmp" "$mnt/root" "$mnt/go"
  cp -a "$goroot" "$mnt/usr/local/go"
  cp "$(command -v busybox)" "$mnt/bin/busybox"
  for applet in sh mkdir cp rm ls cat env dirname id hostname date; do ln -s busybox "$mnt/bin/$applet"; done
  cp "$certs" "$mnt/etc/ssl/certs/"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$mnt/etc/passwd"
  echo 'root:x:0:' >"$mnt/etc/group"
  chmod 1777 "$mnt/tmp"
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/go/bin:/go/bin:/bin --env GOPATH=/go --env GOTOOLCHAIN=local \
    --workingdir /go "$ctr"
  buildah commit --quiet "$ctr" "$golang" >/dev/null
  buildah rm "$ctr" >/dev/null
  echo "made $golang from $goroot"
fi

if ! podman image exists "$distroless"; then
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  mkdir -p "$mnt/etc/ssl/certs" "$mnt/tmp" "$mnt/home/nonroot"
  cp "$certs" "$mnt/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$mnt/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$mnt/etc/group"
  chmod 1777 "$mnt/tmp"
  chown 65532:65532 "$mnt/home/nonroot"
  buildah umount "$ctr" >/dev/null
  buildah config --user 65532:65532 --workingdir /home/nonroot "$ctr"
  buildah commit --quiet "$ctr" "$distroless" >/dev/null
  buildah rm "$ctr" >/dev/null
  echo "made $distroless"
fi
