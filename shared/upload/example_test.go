package upload_test

import (
	"bytes"
	"fmt"
	"time"

	"ossdirect/shared/upload"
)

func Example() {
	profiles, err := upload.ParseProfiles([]byte(`{"images": {
		"prefix": "images/{sub}/{yyyy}/{mm}/", "maxSize": 20971520,
		"contentTypes": ["image/png", "image/jpeg", "image/webp"]}}`))
	if err != nil {
		panic(err)
	}
	p, err := profiles.Lookup("images")
	if err != nil {
		panic(err)
	}
	now := time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC)
	g, err := p.Grant(
		upload.Request{Subject: "user 42", Filename: "Cat.JPG", Size: 1234},
		now,
		upload.GrantOptions{
			Bucket: "examplebucket",
			// A fixed UUID source for the example; nil means crypto/rand.
			Rand: bytes.NewReader(make([]byte, 16)),
		})
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Key)
	fmt.Println(g.ContentType, g.MinSize, g.MaxSize, g.Expiration.Format(time.RFC3339))
	headers, _ := g.PutHeaders()
	fmt.Println(headers)
	session, _ := g.SessionPolicy("")
	fmt.Println(string(session))

	_, err = p.Grant(upload.Request{Subject: "user 42", Filename: "x.html"}, now, upload.GrantOptions{})
	fmt.Println(err)
	// Output:
	// images/user~2042/2024/03/00000000-0000-4000-8000-000000000000.jpg
	// image/jpeg 1234 1234 2024-03-05T12:10:00Z
	// map[Content-Type:image/jpeg x-oss-forbid-overwrite:true]
	// {"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:AbortMultipartUpload","oss:ListParts"],"Resource":["acs:oss:*:*:examplebucket/images/user~2042/2024/03/*"]}]}
	// upload: filename: extension ".html" (text/html) not allowed; allowed: .png, .jpg, .jpeg, .webp
}
