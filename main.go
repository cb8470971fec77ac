// Command wechat-exporter is a Prometheus exporter for WeChat Official
// Account statistics (the datacube API). It fetches each day's figures once,
// keeps them in an embedded store and serves them as gauges at /metrics,
// never calling WeChat during a scrape.
//
// This file parses the command line; package internal/app runs it.
package main

import (
	"fmt"
	"os"

	"github.com/wechat-exporter/wechat-exporter/internal/app"
)

func main() {
	flags, err := app.ParseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "wechat-exporter:", err)
		os.Exit(app.ExitUsage)
	}
	os.Exit(app.Run(flags))
}
