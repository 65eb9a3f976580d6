package doctor_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"ossdirect/internal/doctor"
)

// README's "Deploying for real" checklist is exactly doctor's, in order.
func TestREADMEChecklistIsDoctors(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sec := regexp.MustCompile(`(?s)## Deploying for real\n(.*?)\n## `).FindSubmatch(readme)
	if sec == nil {
		t.Fatal(`README.md has no "## Deploying for real" section`)
	}
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^\d+\. (.+)$`).FindAllSubmatch(sec[1], -1) {
		got = append(got, string(m[1]))
	}
	var want []string
	for _, c := range doctor.Checks {
		want = append(want, c.Title)
	}
	if !slices.Equal(got, want) {
		t.Errorf("README's checklist:\n%q\ndoctor's:\n%q", got, want)
	}
}
