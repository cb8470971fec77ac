# syntax=docker/dockerfile:1
# Multi-stage build: a static binary with version information, on a minimal
# non-root runtime image.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) --build-arg REVISION=$(git rev-parse HEAD) -t wechat-exporter .
#   docker run -p 10070:10070 wechat-exporter --demo

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
ARG BRANCH=main
RUN CGO_ENABLED=0 go build -trimpath -o /out/wechat-exporter \
      -ldflags "-s -w \
        -X github.com/prometheus/common/version.Version=${VERSION} \
        -X github.com/prometheus/common/version.Revision=${REVISION} \
        -X github.com/prometheus/common/version.Branch=${BRANCH}" \
      .

# distroless/static: CA certificates for api.weixin.qq.com, nothing else.
# No time zone data is needed: Beijing days use a fixed UTC+8 offset.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wechat-exporter /bin/wechat-exporter
COPY examples/wechat-exporter.yml /etc/wechat-exporter/wechat-exporter.example.yml
USER 65532:65532
VOLUME ["/data"]
EXPOSE 10070
ENTRYPOINT ["/bin/wechat-exporter", "--storage.path=/data"]
CMD ["--config.file=/etc/wechat-exporter/wechat-exporter.yml"]
