package policy_test

import (
	"errors"
	"fmt"
	"time"

	"ossdirect/shared/policy"
)

func Example() {
	p, err := policy.New(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)).
		Exact("bucket", "examplebucket").
		StartsWith("key", "user/42/").
		ContentLengthRange(1, 10485760).
		In("content-type", "image/png", "image/jpeg").
		Build()
	if err != nil {
		panic(err)
	}
	doc, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	fmt.Println(string(doc))

	err = p.Evaluate(policy.Form{
		Fields: map[string]string{"key": "user/42/cat.png", "Content-Type": "image/gif"},
		Bucket: "examplebucket",
		Size:   1024,
	}, time.Date(2024, 1, 2, 3, 0, 0, 0, time.UTC))
	var v *policy.Violation
	if errors.As(err, &v) {
		fmt.Println(v.Code + ": " + v.Message)
	}
	// Output:
	// {"expiration":"2024-01-02T03:04:05.000Z","conditions":[{"bucket":"examplebucket"},["starts-with","$key","user/42/"],["content-length-range",1,10485760],["in","$content-type",["image/png","image/jpeg"]]]}
	// AccessDenied: Invalid according to Policy: Policy Condition failed: ["in", "$content-type", ["image/png", "image/jpeg"]]
}
