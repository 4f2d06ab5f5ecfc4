package load

import (
	"strings"
	"testing"
)

// TestSummaryErrSaysWhyARunDidNotDoItsJob: a run that returned no error
// can still have failed its purpose; Err says so, and nil otherwise.
func TestSummaryErrSaysWhyARunDidNotDoItsJob(t *testing.T) {
	loaded := StreamSummary{Stream: "users", Objects: 1, Records: 10, Entities: 9, Failed: 1}
	tests := []struct {
		name string
		sum  Summary
		want string // "" for nil
	}{
		{"loaded, one dead letter", Summary{Streams: []StreamSummary{loaded}, Blueprints: map[string]int64{"okta_user": 9}, Found: 1, Listing: "data/okta/"}, ""},
		{"nothing new", Summary{Found: 3, Listing: "data/okta/"}, ""},
		{"every record dead-lettered", Summary{Streams: []StreamSummary{{Stream: "users", Records: 2000, Failed: 2000}}, Found: 4, Listing: "data/okta/", DeadLetters: "data/_oktalake/errors/default/"},
			"nothing reached Port: 2000 of 2000 records were dead-lettered (under data/_oktalake/errors/default/)"},
		{"only bad lines", Summary{Streams: []StreamSummary{{Stream: "users", BadLines: 26}}, Found: 1, Listing: "data/okta/"}, "26 of 26 records were dead-lettered"},
		{"no mapping applied", Summary{Streams: []StreamSummary{{Stream: "users", Records: 5, Unmatched: 5}}, Found: 1, Listing: "data/okta/"}, "no mapping applied to any of the 5 records"},
		{"only unchanged entities", Summary{Streams: []StreamSummary{{Stream: "users", Records: 5, Unchanged: 5}}, Found: 1, Listing: "data/okta/"}, ""},
		{"only tombstones", Summary{Streams: []StreamSummary{{Stream: "users", Records: 5, Tombstones: 5}}, Found: 1, Listing: "data/okta/"}, ""},
		{"deletes held by the threshold", Summary{Streams: []StreamSummary{loaded}, Blueprints: map[string]int64{"okta_user": 9}, Found: 1, Listing: "data/okta/",
			DeletesHeld: &ThresholdError{Threshold: 0.9, Trips: []ThresholdTrip{{Blueprint: "okta_user", Delete: 95, Owned: 100}}}}, "okta_user: 95 of 100"},
		{"deletes refused", Summary{Streams: []StreamSummary{{Stream: "users", Records: 5, Entities: 5, DeleteFailures: 2}}, Blueprints: map[string]int64{"okta_user": 5}, Found: 1, Listing: "data/okta/"}, "2 deletes refused"},
		{"deletes count", Summary{Streams: []StreamSummary{{Stream: "users", Records: 5, Deletes: 5}}, Found: 1, Listing: "data/okta/"}, ""},
		{"no data objects", Summary{Listing: "data/okta/"}, "no data objects under data/okta/"},
		{"no data objects, following", Summary{Listing: "data/okta/", Follow: true}, ""},
		{"a replay finds none", Summary{}, ""},
		{"interrupted", Summary{Found: 5, Listing: "data/okta/", Stopped: "interrupted with 3 objects of users not loaded"}, "interrupted with 3 objects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.sum.Err()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Err() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Err() = %v, want it to say %q", err, tt.want)
			}
			var out strings.Builder
			tt.sum.WriteTo(&out)
			if !strings.Contains(out.String(), "not done: "+err.Error()) {
				t.Errorf("the printed summary does not say why:\n%s", out.String())
			}
		})
	}
}
