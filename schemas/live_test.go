package schemas

import (
	"reflect"
	"testing"

	"github.com/oktalake/oktalake/streams"
)

// An event delivered by an Event Hook is the System Log event the logs
// stream reads later: the default mapping makes the same entity of both,
// so serve's events reach Port at once and the extract's repeat them.
func TestEventHookEventsMapAsLogs(t *testing.T) {
	entries := loadDefaultMapping(t)
	for i, rec := range loadRecords(t, streams.EventHookStream) {
		var live, logged []entity
		for _, e := range entries {
			if ent, ok, err := mapRecord(e, portEvent(streams.EventHookStream, rec)); err != nil {
				t.Fatal(err)
			} else if ok {
				live = append(live, ent)
			}
			if ent, ok, err := mapRecord(e, portEvent("logs", rec)); err != nil {
				t.Fatal(err)
			} else if ok {
				logged = append(logged, ent)
			}
		}
		if len(live) != 1 || !reflect.DeepEqual(live, logged) {
			t.Errorf("record %d: event hook entities %+v, logs entities %+v", i, live, logged)
		}
	}
}
