package notify_test

import (
	"encoding/base64"
	"errors"
	"fmt"

	"ossdirect/internal/localcloud/ossemu/notify"
)

func ExampleRender() {
	// What a browser sends in the PostObject "callback" field.
	callback := base64.StdEncoding.EncodeToString([]byte(
		`{"callbackUrl":"http://127.0.0.1:8080/oss/callback",` +
			`"callbackBody":"{\"key\":${object},\"size\":${size},\"uid\":${x:uid},\"w\":${imageInfo.width}}",` +
			`"callbackBodyType":"application/json"}`))
	spec, err := notify.Parse(callback, "", map[string]string{"x:uid": "42"})
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := notify.Render(spec, notify.Object{
		Key:   "photos/cat.png",
		Size:  5385,
		Image: notify.ImageInfo{Width: 256, Height: 256, Format: "png"},
	})
	fmt.Println(body)

	spec.BodyType = notify.BodyTypeForm
	spec.Body = "key=${object}&size=${size}&uid=${x:uid}"
	body, _ = notify.Render(spec, notify.Object{Key: "photos/cat.png", Size: 5385})
	fmt.Println(body)
	// Output:
	// {"key":"photos/cat.png","size":5385,"uid":"42","w":256}
	// key=photos%2Fcat.png&size=5385&uid=42
}

func ExampleParse_invalid() {
	callback := base64.StdEncoding.EncodeToString([]byte(
		`{"callbackUrl":"www.callback-example.com:test","callbackBody":"a=${object}"}`))
	_, err := notify.Parse(callback, "", nil)
	var ae *notify.ArgumentError
	if errors.As(err, &ae) {
		fmt.Println(ae.EC)
		fmt.Println(ae.Message)
	}
	// Output:
	// 0007-00000004
	// The callbackUrl "www.callback-example.com:test" is invalid: the port must be a number from 1 to 65535.
}
