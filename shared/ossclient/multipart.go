package ossclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/upload"
)

// The presigned-url function's multipart operations: it starts, lists,
// completes and aborts the uploads whose parts clients PUT to presigned
// URLs (see docs/MULTIPART.md).

// Initiate starts a multipart upload of key with contentType ("" for
// OSS's default) and, with forbidOverwrite, x-oss-forbid-overwrite.
func (c *Client) Initiate(ctx context.Context, key, contentType string, forbidOverwrite bool) (string, error) {
	req := &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(c.bucket), Key: oss.Ptr(key)}
	if contentType != "" {
		req.ContentType = oss.Ptr(contentType)
	}
	if forbidOverwrite {
		req.ForbidOverwrite = oss.Ptr("true")
	}
	r, err := c.c.InitiateMultipartUpload(ctx, req)
	if err != nil {
		return "", mapMultipartErr(err)
	}
	return oss.ToString(r.UploadId), nil
}

// ListParts returns every part OSS has of the upload, in part order.
func (c *Client) ListParts(ctx context.Context, key, uploadID string) ([]upload.Part, error) {
	p := c.c.NewListPartsPaginator(&oss.ListPartsRequest{Bucket: oss.Ptr(c.bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(uploadID), MaxParts: 1000})
	var parts []upload.Part
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapMultipartErr(err)
		}
		for _, pt := range page.Parts {
			parts = append(parts, upload.Part{Number: int(pt.PartNumber), ETag: oss.ToString(pt.ETag), Size: pt.Size})
		}
	}
	return parts, nil
}

// Complete completes the upload from parts, with the OSS callback
// parameter callback ("" for none) and, with forbidOverwrite,
// x-oss-forbid-overwrite. It returns the callback's answer as JSON (nil
// without a callback) and the object's ETag.
func (c *Client) Complete(ctx context.Context, key, uploadID string, parts []upload.Part, callback string, forbidOverwrite bool) ([]byte, string, error) {
	list := make([]oss.UploadPart, len(parts))
	for i, pt := range parts {
		list[i] = oss.UploadPart{PartNumber: int32(pt.Number), ETag: oss.Ptr(pt.ETag)}
	}
	req := &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(c.bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(uploadID),
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: list}}
	if callback != "" {
		req.Callback = oss.Ptr(callback)
	}
	if forbidOverwrite {
		req.ForbidOverwrite = oss.Ptr("true")
	}
	r, err := c.c.CompleteMultipartUpload(ctx, req)
	if err != nil {
		return nil, "", mapMultipartErr(err)
	}
	var answer []byte
	if callback != "" {
		if answer, err = json.Marshal(r.CallbackResult); err != nil {
			return nil, "", fmt.Errorf("ossclient: the callback's answer: %w", err)
		}
	}
	return answer, oss.ToString(r.ETag), nil
}

// Abort aborts the upload (one already gone is upload.ErrNoSuchUpload).
func (c *Client) Abort(ctx context.Context, key, uploadID string) error {
	_, err := c.c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(c.bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(uploadID)})
	return mapMultipartErr(err)
}

// mapMultipartErr maps OSS's answers to upload's sentinels, keeping OSS's
// code and message.
func mapMultipartErr(err error) error {
	var se *oss.ServiceError
	if err == nil || !errors.As(err, &se) {
		return mapErr(err)
	}
	switch se.Code {
	case "NoSuchUpload":
		return fmt.Errorf("%w: %s", upload.ErrNoSuchUpload, se.Message)
	case "FileAlreadyExists":
		return fmt.Errorf("%w: %s", upload.ErrObjectExists, se.Message)
	case "CallbackFailed":
		return fmt.Errorf("%w: %s", upload.ErrCallbackFailed, se.Message)
	case "InvalidPart", "InvalidPartOrder", "EntityTooSmall":
		return fmt.Errorf("%w: %s: %s", upload.ErrPartsRefused, se.Code, se.Message)
	}
	return mapErr(err)
}
