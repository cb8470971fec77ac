# syntax=docker/dockerfile:1
# Multi-stage build: a static binary with version information, on a minimal
# non-root runtime image.
#
#   docker build -t wechat-exporter \
#     --build-arg VERSION=$(git describe --tags --always) --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg BRANCH=$(git rev-parse --abbrev-ref HEAD) --build-arg BUILD_USER=$(whoami)@$(hostname) \
#     --build-arg BUILD_DATE=$(date -u +%Y%m%d-%H:%M:%S) .
#   docker run -p 10070:10070 wechat-exporter --demo
#
# ENTRYPOINT is the bare binary and every flag is in CMD, so that any of
# them (the storage path included) can be given on the command line: the
# arguments of `docker run IMAGE ...` replace CMD as a whole.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
ARG BRANCH=unknown
ARG BUILD_USER=unknown
ARG BUILD_DATE=unknown
RUN CGO_ENABLED=0 VERSION=${VERSION} REVISION=${REVISION} BRANCH=${BRANCH} \
      BUILD_USER=${BUILD_USER} BUILD_DATE=${BUILD_DATE} \
      sh scripts/build.sh /out/wechat-exporter && \
    mkdir -p /out/data

# distroless/static: CA certificates for api.weixin.qq.com, nothing else.
# No time zone data is needed: Beijing days use a fixed UTC+8 offset.
FROM gcr.io/distroless/static-debian12:nonroot
# The OCI annotations of the image: where it comes from, which build.
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="wechat-exporter" \
      org.opencontainers.image.description="Prometheus exporter for WeChat Official Account statistics (datacube)" \
      org.opencontainers.image.url="https://github.com/wechat-exporter/wechat-exporter" \
      org.opencontainers.image.source="https://github.com/wechat-exporter/wechat-exporter" \
      org.opencontainers.image.documentation="https://github.com/wechat-exporter/wechat-exporter/blob/main/docs/deployment.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/wechat-exporter /bin/wechat-exporter
COPY examples/wechat-exporter.yml /etc/wechat-exporter/wechat-exporter.example.yml
# The store's directory belongs to the image user, so that a volume
# mounted there (which starts as a copy of it) is writable by the exporter.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME ["/data"]
EXPOSE 10070
ENTRYPOINT ["/bin/wechat-exporter"]
CMD ["--config.file=/etc/wechat-exporter/wechat-exporter.yml", "--storage.path=/data"]
