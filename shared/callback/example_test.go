package callback_test

import (
	"errors"
	"fmt"

	"ossdirect/shared/callback"
)

// ossPubKeyPEM is OSS's callback key v1, from
// https://gosspublic.alicdn.com/callback_pub_key_v1.pem.
const ossPubKeyPEM = `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
`

// A callback captured from real OSS (published in the Cloudreve test
// suite), verified with OSS's real key. In a handler, build the Input with
// callback.FromRequest(r, body) instead.
func ExampleVerifyPEM() {
	in := callback.Input{
		Path:          "/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH",
		Body:          []byte(`{"name":"2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","source_name":"1/1_hFRtDLgM_2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","size":114020,"pic_info":"810,539"}`),
		Authorization: "e5LwzwTkP9AFAItT4YzvdJOHd0Y0wqTMWhsV/h5SG90JYGAmMd+8LQyj96R+9qUfJWjMt6suuUh7LaOryR87Dw==",
		PubKeyURL:     "aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0=",
	}
	keyURL, err := in.KeyURL(nil) // the URL a key fetcher may load
	fmt.Println(keyURL, err)

	err = callback.VerifyPEM(in, []byte(ossPubKeyPEM), nil)
	fmt.Println("verified:", err == nil)

	in.Body = append(in.Body, ' ')
	err = callback.VerifyPEM(in, []byte(ossPubKeyPEM), nil)
	fmt.Println("tampered:", errors.Is(err, callback.ErrSignatureMismatch))
	// Output:
	// https://gosspublic.alicdn.com/callback_pub_key_v1.pem <nil>
	// verified: true
	// tampered: true
}

func ExampleCheckKeyURL() {
	for _, u := range []string{
		"https://gosspublic.alicdn.com/callback_pub_key_v1.pem",
		"http://gosspublic.alicdn.com@evil.example/key.pem",
		"http://gosspublic.alicdn.com.evil.example/key.pem",
		"http://gosspublic.alicdn.com/%2e%2e/key.pem",
	} {
		fmt.Println(callback.CheckKeyURL(u, nil))
	}
	// The local dev stack passes its emulator's prefix instead.
	fmt.Println(callback.CheckKeyURL("http://127.0.0.1:9000/keys/pub.pem", []string{"http://127.0.0.1:9000/keys/"}))
	// Output:
	// <nil>
	// callback: public key url not allowed: url contains userinfo
	// callback: public key url not allowed: scheme, host or port is not in the allow-list
	// callback: public key url not allowed: url contains a percent-escape
	// <nil>
}

func ExampleStringToSign() {
	b, err := callback.StringToSign("/cb%2Fupload/%E4%B8%AD%20x", "uid=42&name=%E4%B8%AD", []byte(`{"size":5}`))
	fmt.Printf("%q %v\n", b, err)
	// Output:
	// "/cb/upload/中 x?uid=42&name=%E4%B8%AD\n{\"size\":5}" <nil>
}
