package devstack

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"gopkg.in/yaml.v3"

	"ossdirect/internal/localcloud/ossemu"
	"ossdirect/shared/upload"
)

// The rendered event decodes into the runtime SDK's events.OssEvent with
// every value in place, and has exactly the members of the repository's
// FC fixture (shared/fcrun/testdata/oss-created.json).
func TestOSSEventJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 7, 1, 8, 9, 10, 0, time.FixedZone("CST", 8*3600))
	e := ossemu.Event{Name: "ObjectCreated:PostObject", Region: "cn-hangzhou", Bucket: "dev-bucket", Key: "uploads/a/2026/07/中 文.png",
		Size: 29203, DeltaSize: 203, ETag: "7D73E1052AF595535DE90994F4C3E6D5", ContentType: "image/png",
		RequestID: "6741A5D1C2B3A4F5E6D7C8B9", SourceIP: "127.0.0.1", Time: at}
	raw, err := ossEventJSON(e, DevAccountID, "rule")
	if err != nil {
		t.Fatal(err)
	}

	var ev events.OssEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("events.OssEvent: %v\n%s", err, raw)
	}
	if len(ev.Events) != 1 {
		t.Fatalf("%d records", len(ev.Events))
	}
	r := ev.Events[0]
	o := r.Oss.Object
	checks := []struct{ name, got, want string }{
		{"eventName", *r.EventName, "ObjectCreated:PostObject"},
		{"eventSource", *r.EventSource, "acs:oss"},
		{"eventVersion", *r.EventVersion, "1.0"},
		{"region", *r.Region, "cn-hangzhou"},
		{"bucket.name", *r.Oss.Bucket.Name, "dev-bucket"},
		{"bucket.arn", *r.Oss.Bucket.Arn, "acs:oss:cn-hangzhou:" + DevAccountID + ":dev-bucket"},
		{"bucket.ownerIdentity", *r.Oss.Bucket.OwnerIdentity, DevAccountID},
		{"object.key", *o.Key, e.Key},
		{"object.eTag", *o.ETag, e.ETag},
		{"object.objectMeta.mimeType", *o.ObjectMeta.MimeType, "image/png"},
		{"ossSchemaVersion", *r.Oss.OssSchemaVersion, "1.0"},
		{"ruleId", *r.Oss.RuleID, "rule"},
		{"requestParameters.sourceIPAddress", *r.RequestParameters.SourceIPAddress, "127.0.0.1"},
		{"responseElements.requestId", *r.ResponseElements.RequestID, e.RequestID},
		{"userIdentity.principalId", *r.UserIdentity.PrincipalID, DevAccountID},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if *o.Size != 29203 || *o.DeltaSize != 203 || !r.EventTime.Equal(at) {
		t.Errorf("size %d deltaSize %d eventTime %v", *o.Size, *o.DeltaSize, r.EventTime)
	}

	var generic struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	if got := generic.Events[0]["eventTime"]; got != "2026-07-01T00:09:10.000Z" {
		t.Errorf("eventTime %q, want UTC with three fraction digits", got)
	}
	fixture, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "fcrun", "testdata", "oss-created.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(fixture, &want); err != nil {
		t.Fatal(err)
	}
	if got, want := memberPaths("", generic.Events[0]), memberPaths("", want.Events[0]); !slices.Equal(got, want) {
		t.Errorf("members\n got %v\nwant %v", got, want)
	}
}

// memberPaths lists the dotted paths of every member of v, sorted.
func memberPaths(prefix string, v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return []string{prefix}
	}
	var out []string
	for k, sub := range m {
		out = append(out, memberPaths(prefix+"."+k, sub)...)
	}
	slices.Sort(out)
	return out
}

func TestProfilesPrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, profiles, want string }{
		{"dev default", DefaultProfiles(), "uploads/"},
		{"one static folder", `{"a": {"maxSize": 1000, "prefix": "media/{sub}/"}, "b": {"maxSize": 1000, "prefix": "media/docs/{sub}/"}}`, "media/"},
		{"a shared start only", `{"a": {"maxSize": 1000, "prefix": "images/{sub}/"}, "b": {"maxSize": 1000, "prefix": "imgq/{sub}/"}}`, "im"},
		{"nothing shared", `{"a": {"maxSize": 1000, "prefix": "images/{sub}/"}, "b": {"maxSize": 1000, "prefix": "seed/{sub}/"}}`, ""},
		{"placeholder first", `{"a": {"maxSize": 1000, "prefix": "{sub}/"}}`, ""},
		{"not cut inside a character", `{"a": {"maxSize": 1000, "prefix": "é/{sub}/"}, "b": {"maxSize": 1000, "prefix": "è/{sub}/"}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ps, err := upload.ParseProfiles([]byte(tc.profiles))
			if err != nil {
				t.Fatal(err)
			}
			if got := profilesPrefix(ps); got != tc.want {
				t.Errorf("profilesPrefix = %q, want %q", got, tc.want)
			}
		})
	}
}

// The local trigger plays s.yaml's: the same events, the callback
// function's timeout and retries, and a default prefix equal to s.yaml's
// default OSS_TRIGGER_PREFIX for the dev profiles.
func TestOSSTriggerMatchesManifest(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Resources map[string]struct {
			Props struct {
				Timeout           int `yaml:"timeout"`
				AsyncInvokeConfig struct {
					MaxAsyncRetryAttempts int `yaml:"maxAsyncRetryAttempts"`
				} `yaml:"asyncInvokeConfig"`
				Triggers []struct {
					TriggerName   string `yaml:"triggerName"`
					TriggerConfig struct {
						Events []string `yaml:"events"`
						Filter struct {
							Key struct {
								Prefix string `yaml:"prefix"`
							} `yaml:"key"`
						} `yaml:"filter"`
					} `yaml:"triggerConfig"`
				} `yaml:"triggers"`
			} `yaml:"props"`
		} `yaml:"resources"`
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	cb := m.Resources["callback"].Props
	if time.Duration(cb.Timeout)*time.Second != DefaultOSSTriggerTimeout {
		t.Errorf("s.yaml callback timeout %ds, DefaultOSSTriggerTimeout %v", cb.Timeout, DefaultOSSTriggerTimeout)
	}
	if cb.AsyncInvokeConfig.MaxAsyncRetryAttempts != DefaultOSSTriggerRetries {
		t.Errorf("s.yaml maxAsyncRetryAttempts %d, DefaultOSSTriggerRetries %d", cb.AsyncInvokeConfig.MaxAsyncRetryAttempts, DefaultOSSTriggerRetries)
	}
	found := false
	for _, tr := range cb.Triggers {
		if tr.TriggerName != "oss-created" {
			continue
		}
		found = true
		if !slices.Equal(tr.TriggerConfig.Events, OSSTriggerEvents) {
			t.Errorf("s.yaml events %v, OSSTriggerEvents %v", tr.TriggerConfig.Events, OSSTriggerEvents)
		}
		def := regexp.MustCompile(`^\$\{env\('OSS_TRIGGER_PREFIX', '([^']*)'\)\}$`).FindStringSubmatch(tr.TriggerConfig.Filter.Key.Prefix)
		ps, err := upload.ParseProfiles([]byte(DefaultProfiles()))
		if err != nil {
			t.Fatal(err)
		}
		if def == nil || def[1] != profilesPrefix(ps) {
			t.Errorf("s.yaml prefix %q; the dev profiles' prefix is %q", tr.TriggerConfig.Filter.Key.Prefix, profilesPrefix(ps))
		}
	}
	if !found {
		t.Error("s.yaml has no oss-created trigger on the callback function")
	}
}

func TestTriggerConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{}, true},
		{"no retries", Config{OSSTriggerRetries: -1}, true},
		{"eight retries", Config{OSSTriggerRetries: 8}, true},
		{"nine retries", Config{OSSTriggerRetries: 9}, false},
		{"below -1", Config{OSSTriggerRetries: -2}, false},
		{"negative timeout", Config{OSSTriggerTimeout: -time.Second}, false},
		{"negative backoff", Config{OSSTriggerBackoff: -time.Second}, false},
		{"prefix with a leading slash", Config{OSSTriggerPrefix: "/uploads/"}, false},
		{"prefix not UTF-8", Config{OSSTriggerPrefix: "\xff"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.cfg.triggerConfig(nil)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if tc.name == "defaults" && (got.Timeout != DefaultOSSTriggerTimeout || got.Retries != DefaultOSSTriggerRetries || got.Backoff != DefaultOSSTriggerBackoff) {
				t.Errorf("defaults: %+v", got)
			}
			if tc.name == "no retries" && got.Retries != 0 {
				t.Errorf("-1: Retries %d, want 0", got.Retries)
			}
		})
	}
}
