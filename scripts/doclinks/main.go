// Command doclinks checks the relative links of the Markdown files under a
// directory (a release archive's, in .ci/run): it prints each dead one and
// exits 1 if there is any.
//
//	go run ./scripts/doclinks DIR
package main

import (
	"fmt"
	"os"

	"github.com/wechat-exporter/wechat-exporter/internal/doclinks"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: doclinks DIR")
		os.Exit(2)
	}
	dead, checked, err := doclinks.Dead(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "doclinks:", err)
		os.Exit(1)
	}
	for _, d := range dead {
		fmt.Println("dead link:", d)
	}
	fmt.Printf("%d relative links checked, %d dead\n", checked, len(dead))
	if len(dead) > 0 {
		os.Exit(1)
	}
}
