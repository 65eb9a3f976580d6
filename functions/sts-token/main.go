// Command sts-token is the ossdirect sts-token function for Function Compute 3.0
// (runtime go1, handler main). Outside FC it serves plain HTTP on $PORT.
// Configuration: environment variables, see docs/CONFIGURATION.md.
package main

import (
	"os"

	"ossdirect/shared/api"
	"ossdirect/shared/app"
)

func main() {
	os.Exit(app.Run(api.STSToken, os.LookupEnv, os.ReadFile, os.Stderr))
}
