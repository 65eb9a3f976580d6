package signing

// Credentials is an OSS access key pair, optionally temporary (STS).
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	// SecurityToken is set for temporary (STS) credentials. Signatures made
	// with them carry it as x-oss-security-token (header, query or form
	// field) or security-token (V1 presigned URLs).
	SecurityToken string
}

// Temporary reports whether c are STS temporary credentials.
func (c Credentials) Temporary() bool { return c.SecurityToken != "" }

func (c Credentials) validate() error {
	if c.AccessKeyID == "" {
		return errorf(ErrInvalidArgument, "access key id is empty")
	}
	if c.AccessKeySecret == "" {
		return errorf(ErrInvalidArgument, "access key secret is empty")
	}
	return nil
}
