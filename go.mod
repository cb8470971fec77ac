module github.com/wechat-exporter/wechat-exporter

go 1.26.8
