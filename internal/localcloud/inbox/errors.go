package inbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// The reasons a delivery is refused. Receive answers each with the status
// and code of errorTable; a Delivery's Error is the message without the
// "inbox: " prefix.
var (
	ErrTooLarge          = errors.New("inbox: body larger than the limit")
	ErrSignatureHeaders  = errors.New("inbox: webhook-id, webhook-timestamp (Unix seconds) and webhook-signature headers are required")
	ErrTimestamp         = errors.New("inbox: webhook-timestamp is more than 5 minutes away from the receiver's clock")
	ErrSignatureMismatch = errors.New("inbox: no signature in webhook-signature matches the receiver's secrets")
	ErrNotEvent          = errors.New("inbox: body is not an upload event")

	errUnreadable = errors.New("inbox: body could not be read")
	errMethod     = errors.New("inbox: deliveries are POST")
)

// errorTable is the one list of error answers.
var errorTable = []struct {
	err    error
	status int
	code   string
}{
	{ErrTooLarge, http.StatusRequestEntityTooLarge, "RequestTooLarge"},
	{ErrSignatureHeaders, http.StatusUnauthorized, "SignatureMissing"},
	{ErrTimestamp, http.StatusUnauthorized, "TimestampOutOfRange"},
	{ErrSignatureMismatch, http.StatusUnauthorized, "SignatureMismatch"},
	{ErrNotEvent, http.StatusBadRequest, "NotAnEvent"},
	{errUnreadable, http.StatusBadRequest, "BadRequest"},
	{errMethod, http.StatusMethodNotAllowed, "MethodNotAllowed"},
}

func message(err error) string { return strings.TrimPrefix(err.Error(), "inbox: ") }

// writeError answers err as JSON {"code", "message"}: the status and code
// of its errorTable entry, 500 InternalError for any other error.
func writeError(w http.ResponseWriter, err error) {
	status, code := http.StatusInternalServerError, "InternalError"
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			status, code = e.status, e.code
			break
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"code": code, "message": message(err)})
}
