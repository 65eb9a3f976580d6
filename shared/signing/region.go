package signing

import "strings"

// RegionID returns the plain region id V4 signatures name in their
// credential scope: "oss-cn-hangzhou" (the OSS endpoint form) becomes
// "cn-hangzhou"; a plain id is returned as is. It is the one place the
// "oss-" prefix is removed; configuration, handlers, the CLI and the
// emulator all normalise regions through it.
func RegionID(region string) string { return strings.TrimPrefix(region, "oss-") }
