package stsemu_test

import (
	"fmt"
	"time"

	"ossdirect/internal/localcloud/stsemu"
)

// The OSS emulator's side: credentials issued by any process sharing the
// root identity verify here, carrying their session policy.
func ExampleAuthority() {
	root := stsemu.AuthorityConfig{AccessKeyID: "LTAI5tExampleRoot", AccessKeySecret: "example-root-secret"}
	issuer, _ := stsemu.NewAuthority(root)   // e.g. inside the STS emulator
	verifier, _ := stsemu.NewAuthority(root) // e.g. inside the OSS emulator

	now := time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC)
	policy, _ := stsemu.ParsePolicy(`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:bucket/prefix/*"]}]}`)
	creds, _ := issuer.Issue("acs:ram::1234567890123456:role/uploader", "alice", policy, time.Hour, now)
	fmt.Println(creds.Expiration.Format(time.RFC3339))

	id, err := verifier.Lookup(creds.AccessKeyID, creds.SecurityToken, now.Add(time.Minute))
	fmt.Println(err, id.AccessKeySecret == creds.AccessKeySecret, id.SessionName)
	fmt.Println(id.Allows("oss:PutObject", stsemu.OSSResource("bucket", "prefix/cat.png")))
	fmt.Println(id.Allows("oss:GetObject", stsemu.OSSResource("bucket", "prefix/cat.png")))

	_, err = verifier.Lookup(creds.AccessKeyID, creds.SecurityToken, now.Add(2*time.Hour))
	fmt.Println(err)
	// Output:
	// 2024-03-05T13:00:00Z
	// <nil> true alice
	// true
	// false
	// stsemu: security token expired: expired at 2024-03-05T13:00:00Z
}

func ExamplePolicy_Allows() {
	p, err := stsemu.ParsePolicy(`{"Version":"1","Statement":[
		{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:bucket/*"},
		{"Effect":"Deny","Action":"oss:DeleteObject","Resource":"acs:oss:*:*:bucket/keep/*"}]}`)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Allows("oss:GetObject", "acs:oss:*:*:bucket/a.txt"))
	fmt.Println(p.Allows("oss:DeleteObject", "acs:oss:*:*:bucket/keep/a.txt"))
	fmt.Println(p.Allows("oss:GetObject", "acs:oss:*:*:other/a.txt"))
	// Output:
	// true
	// false
	// false
}

func ExampleSignRPC() {
	// The worked example from the Alibaba Cloud RPC signature documentation.
	params := map[string][]string{
		"AccessKeyId": {"testid"}, "Action": {"DescribeRegions"}, "Format": {"XML"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
		"SignatureVersion": {"1.0"}, "Timestamp": {"2016-02-23T12:46:24Z"}, "Version": {"2014-05-26"},
	}
	fmt.Println(stsemu.SignRPC("GET", params, "testsecret"))
	// Output: OLeaidS1JvxuMvnyHOwuJ+uX5qY=
}
