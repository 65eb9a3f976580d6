package uploadevent_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"ossdirect/shared/uploadevent"
)

func TestIDIsDeterministicPerUpload(t *testing.T) {
	t.Parallel()
	a := uploadevent.ID("b", "uploads/alice/x.png", `"ETAG1"`)
	if a != uploadevent.ID("b", "uploads/alice/x.png", `"ETAG1"`) {
		t.Error("the same upload gave two ids")
	}
	if !regexp.MustCompile(`^evt_[0-9a-f]{32}$`).MatchString(a) {
		t.Errorf("id %q, want evt_ and 32 hex digits", a)
	}
	// The ETag header is quoted; a listing's and an OSS event's eTag may
	// not be, nor in upper case.
	for _, form := range []string{"ETAG1", "etag1", `"etag1"`} {
		if got := uploadevent.ID("b", "uploads/alice/x.png", form); got != a {
			t.Errorf("ETag written %s: id %s, want %s", form, got, a)
		}
	}
	for name, other := range map[string]string{
		"other ETag (an overwrite)": uploadevent.ID("b", "uploads/alice/x.png", `"ETAG2"`),
		"other key":                 uploadevent.ID("b", "uploads/alice/y.png", `"ETAG1"`),
		"other bucket":              uploadevent.ID("c", "uploads/alice/x.png", `"ETAG1"`),
		"shifted field boundary":    uploadevent.ID("b", "uploads/alice/x.png\"", `ETAG1"`),
	} {
		if other == a {
			t.Errorf("%s: same id %s", name, a)
		}
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	w, h := 64, 48
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("CST", 8*3600))
	cases := []struct {
		name string
		data uploadevent.Data
		want string
	}{{
		name: "completed through the callback",
		data: uploadevent.Data{Bucket: "b", Key: "images/alice/x.png", Size: 10, ETag: `"E"`, CRC64: "123", ContentType: "image/png",
			Width: &w, Height: &h, Subject: "alice", Profile: "images", GrantID: "g1", Source: uploadevent.SourceCallback, Action: "delete"},
		want: `{"type":"upload.completed","timestamp":"2025-01-01T19:04:05Z","data":{"id":"` + uploadevent.ID("b", "images/alice/x.png", `"E"`) + `",
			"bucket":"b","key":"images/alice/x.png","size":10,"etag":"\"E\"","crc64":"123","contentType":"image/png","width":64,"height":48,
			"subject":"alice","profile":"images","grantId":"g1","source":"callback"}}`,
	}, {
		name: "rejected from an OSS event",
		data: uploadevent.Data{Bucket: "b", Key: "images/alice/x.exe", Size: 10, ETag: `"F"`, CRC64: "9", ContentType: "application/x-msdownload",
			Profile: "images", Source: uploadevent.SourceOSSEvent, Violations: []string{"type not allowed"}, Action: "delete"},
		want: `{"type":"upload.rejected","timestamp":"2025-01-01T19:04:05Z","data":{"id":"` + uploadevent.ID("b", "images/alice/x.exe", `"F"`) + `",
			"bucket":"b","key":"images/alice/x.exe","size":10,"etag":"\"F\"","crc64":"9","contentType":"application/x-msdownload","width":null,"height":null,
			"subject":"","profile":"images","grantId":"","source":"oss-event","violations":["type not allowed"],"action":"delete"}}`,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(uploadevent.New(tc.data, at))
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &w); err != nil {
				t.Fatal(err)
			}
			if gj, wj := mustJSON(t, g), mustJSON(t, w); gj != wj {
				t.Errorf("got\n%s\nwant\n%s", gj, wj)
			}
			var back uploadevent.Event
			if err := json.Unmarshal(got, &back); err != nil || !back.Timestamp.Equal(at) {
				t.Errorf("round trip: %v, timestamp %v, want %v", err, back.Timestamp, at)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
