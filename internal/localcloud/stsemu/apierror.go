package stsemu

import (
	"fmt"
	"net/http"
)

// The STS error codes the Server answers with, and their HTTP statuses.
// Messages follow the POP gateway's wording where it is known (public issue
// threads, SDK error tables); UnsupportedHTTPMethod is emulator-specific.
const (
	codeMissingParameter       = "MissingParameter"
	codeInvalidParameter       = "InvalidParameter"
	codeInvalidRoleArn         = "InvalidParameter.RoleArn"
	codeRoleNotExist           = "EntityNotExist.Role"
	codeInvalidSessionName     = "InvalidParameter.RoleSessionName"
	codeInvalidDuration        = "InvalidParameter.DurationSeconds"
	codeInvalidExternalID      = "InvalidParameter.ExternalId"
	codeInvalidSourceIdentity  = "InvalidParameter.SourceIdentity"
	codePolicyGrammar          = "InvalidParameter.PolicyGrammar"
	codePolicySize             = "InvalidParameter.PolicySize"
	codeAccessKeyNotFound      = "InvalidAccessKeyId.NotFound"
	codeSignatureDoesNotMatch  = "SignatureDoesNotMatch"
	codeTimestampExpired       = "InvalidTimeStamp.Expired"
	codeTimestampFormat        = "InvalidTimeStamp.Format"
	codeNonceUsed              = "SignatureNonceUsed"
	codeActionNotFound         = "InvalidAction.NotFound"
	codeInvalidVersion         = "InvalidVersion"
	codeUnsupportedHTTPMethod  = "UnsupportedHTTPMethod"
	codeInternalError          = "InternalError"
	hostID                     = "sts.aliyuncs.com"
	recommendURL               = "https://api.aliyun.com/troubleshoot?product=Sts&q="
	messageSignatureNotMatched = "Specified signature is not matched with our calculation. server string to sign is:"
)

// errorStatus is the single table of HTTP statuses, one per code.
var errorStatus = map[string]int{
	codeMissingParameter:      http.StatusBadRequest,
	codeInvalidParameter:      http.StatusBadRequest,
	codeInvalidRoleArn:        http.StatusBadRequest,
	codeRoleNotExist:          http.StatusNotFound,
	codeInvalidSessionName:    http.StatusBadRequest,
	codeInvalidDuration:       http.StatusBadRequest,
	codeInvalidExternalID:     http.StatusBadRequest,
	codeInvalidSourceIdentity: http.StatusBadRequest,
	codePolicyGrammar:         http.StatusBadRequest,
	codePolicySize:            http.StatusBadRequest,
	codeAccessKeyNotFound:     http.StatusNotFound,
	codeSignatureDoesNotMatch: http.StatusBadRequest,
	codeTimestampExpired:      http.StatusBadRequest,
	codeTimestampFormat:       http.StatusBadRequest,
	codeNonceUsed:             http.StatusBadRequest,
	codeActionNotFound:        http.StatusNotFound,
	codeInvalidVersion:        http.StatusBadRequest,
	codeUnsupportedHTTPMethod: http.StatusMethodNotAllowed,
	codeInternalError:         http.StatusInternalServerError,
}

// apiError is an STS error response. Its message goes to the client, so it
// never holds a secret.
type apiError struct {
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func (e *apiError) status() int {
	if s, ok := errorStatus[e.code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

func newAPIError(code, format string, args ...any) *apiError {
	return &apiError{code: code, message: fmt.Sprintf(format, args...)}
}

func errMissing(name string) *apiError {
	return newAPIError(codeMissingParameter,
		"The input parameter %q that is mandatory for processing this request is not supplied.", name)
}

func errInvalid(name string) *apiError {
	return newAPIError(codeInvalidParameter, "The specified parameter %q is not valid.", name)
}

// errorBody is the POP gateway's JSON error shape.
type errorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}
