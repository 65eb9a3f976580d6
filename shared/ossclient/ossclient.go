// Package ossclient is the callback function's view of its bucket, through
// the official OSS Go SDK v2 with the function's own credentials: HEAD an
// object (the witness of an upload: its size, type, ETag and CRC-64 come
// from OSS, never from the callback body), read its first bytes to sniff
// its type or read an image's size, delete or quarantine an object that
// breaks its profile, and keep small records under upload.ReservedPrefix.
package ossclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	sdkcreds "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/shared/credentials"
	"ossdirect/shared/upload"
)

// ErrNotFound reports that the object does not exist (it is
// upload.ErrObjectNotFound, which consumers match without importing this
// package).
var ErrNotFound = upload.ErrObjectNotFound

// Config says where the bucket is and how to sign.
type Config struct {
	Bucket string
	Region string // region id, e.g. cn-hangzhou
	// Endpoint is the OSS endpoint URL, e.g. https://oss-cn-hangzhou-internal.aliyuncs.com,
	// or a path-style base such as http://127.0.0.1:9000 (an IP host is
	// addressed path-style, as the SDK does for IP endpoints).
	Endpoint string
	// Credentials are asked on every request, with its context (in FC the
	// invocation's credentials travel in it).
	Credentials credentials.Provider
}

// Client reads and manages objects of one bucket.
type Client struct {
	c      *oss.Client
	bucket string
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	c, err := NewSDK(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{c: c, bucket: cfg.Bucket}, nil
}

// NewSDK returns the official SDK's client for cfg, configured as New's
// (path style for IP and localhost endpoints, credentials asked per
// request, two attempts), for callers that need other operations.
func NewSDK(cfg Config) (*oss.Client, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("ossclient: endpoint %q is not a URL", cfg.Endpoint)
	}
	if cfg.Bucket == "" || cfg.Region == "" || cfg.Credentials == nil {
		return nil, errors.New("ossclient: bucket, region and credentials are required")
	}
	c := oss.LoadDefaultConfig().WithRegion(cfg.Region).WithEndpoint(cfg.Endpoint).
		WithCredentialsProvider(sdkcreds.CredentialsProviderFunc(func(ctx context.Context) (sdkcreds.Credentials, error) {
			v, err := cfg.Credentials.Retrieve(ctx)
			if err != nil {
				return sdkcreds.Credentials{}, err
			}
			c := sdkcreds.Credentials{AccessKeyID: v.AccessKeyID, AccessKeySecret: v.AccessKeySecret, SecurityToken: v.SecurityToken}
			if !v.Expiry.IsZero() {
				c.Expires = &v.Expiry
			}
			return c, nil
		})).WithRetryMaxAttempts(2)
	if net.ParseIP(u.Hostname()) != nil || u.Hostname() == "localhost" {
		c = c.WithUsePathStyle(true)
	}
	return oss.NewClient(c), nil
}

// Head returns what OSS says about key, or ErrNotFound.
func (c *Client) Head(ctx context.Context, key string) (upload.Object, error) {
	r, err := c.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(c.bucket), Key: oss.Ptr(key)})
	if err != nil {
		return upload.Object{}, mapErr(err)
	}
	o := upload.Object{Key: key, Size: r.ContentLength, ContentType: oss.ToString(r.ContentType),
		ETag: oss.ToString(r.ETag), CRC64: oss.ToString(r.HashCRC64)}
	if r.LastModified != nil {
		o.Modified = r.LastModified.UTC()
	}
	return o, nil
}

// List calls fn for each object whose key starts with prefix, in key order
// (ListObjectsV2, 1000 keys a page), with its key, size, ETag and
// modification time; an error from fn stops the listing and is returned.
func (c *Client) List(ctx context.Context, prefix string, fn func(upload.Object) error) error {
	p := c.c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(c.bucket), Prefix: oss.Ptr(prefix), MaxKeys: 1000})
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return mapListErr(err)
		}
		for _, o := range page.Contents {
			obj := upload.Object{Key: oss.ToString(o.Key), Size: o.Size, ETag: oss.ToString(o.ETag)}
			if o.LastModified != nil {
				obj.Modified = o.LastModified.UTC()
			}
			if err := fn(obj); err != nil {
				return err
			}
		}
	}
	return nil
}

// mapListErr wraps a listing error (a 404 is the bucket's, not an object's).
func mapListErr(err error) error {
	return fmt.Errorf("ossclient: listing: %w", err)
}

// FirstBytes returns up to n bytes from the start of key.
func (c *Client) FirstBytes(ctx context.Context, key string, n int) ([]byte, error) {
	r, err := c.c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(c.bucket), Key: oss.Ptr(key), Range: oss.Ptr("bytes=0-" + strconv.Itoa(n-1))})
	if err != nil {
		return nil, mapErr(err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(io.LimitReader(r.Body, int64(n)))
	if err != nil {
		return nil, fmt.Errorf("ossclient: reading %s: %w", key, err)
	}
	return b, nil
}

// Claim writes body to key unless key exists (x-oss-forbid-overwrite: the
// first writer wins, atomically in OSS). It returns nil when this call
// created it, else what key holds.
func (c *Client) Claim(ctx context.Context, key string, body []byte) ([]byte, error) {
	_, err := c.c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(c.bucket), Key: oss.Ptr(key), Body: bytes.NewReader(body),
		ContentType: oss.Ptr("text/plain"), ForbidOverwrite: oss.Ptr("true")})
	var se *oss.ServiceError
	switch {
	case err == nil:
		return nil, nil
	case errors.As(err, &se) && se.Code == "FileAlreadyExists":
		cur, err := c.FirstBytes(ctx, key, 64<<10)
		if err != nil {
			return nil, err
		}
		return cur, nil
	}
	return nil, mapErr(err)
}

// Put writes body to key, replacing what is there.
func (c *Client) Put(ctx context.Context, key string, body []byte) error {
	_, err := c.c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(c.bucket), Key: oss.Ptr(key), Body: bytes.NewReader(body), ContentType: oss.Ptr("text/plain")})
	return mapErr(err)
}

// Delete removes key (a missing object is not an error).
func (c *Client) Delete(ctx context.Context, key string) error {
	_, err := c.c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(c.bucket), Key: oss.Ptr(key)})
	return mapErr(err)
}

// Move copies key to dst (never over an existing object) and deletes key.
func (c *Client) Move(ctx context.Context, key, dst string) error {
	_, err := c.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(c.bucket), Key: oss.Ptr(dst), SourceKey: oss.Ptr(key), ForbidOverwrite: oss.Ptr("true")})
	if err != nil {
		return mapErr(err)
	}
	return c.Delete(ctx, key)
}

func mapErr(err error) error {
	var se *oss.ServiceError
	if errors.As(err, &se) && (se.StatusCode == 404 || se.Code == "NoSuchKey") {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("ossclient: %w", err)
	}
	return nil
}
