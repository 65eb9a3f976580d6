package main

import (
	"fmt"
	"io"
)

func verifyCallback(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ossdirect verify callback: not built yet")
	return exitUsage
}
