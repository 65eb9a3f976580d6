package devstack_test

import "encoding/base64"

func encodeB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
