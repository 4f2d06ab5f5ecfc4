package mapping

import (
	"context"
	"strings"
	"testing"
)

// TestGolden maps the simulated records of every stream with the two mappings
// copied from Port's docs and compares the entities, deletes, rejections and
// errors with reviewed golden files.
func TestGolden(t *testing.T) {
	for _, file := range []string{"seed003.json", "ocean.yaml"} {
		m, err := Parse(mappingFile(t, file), file, quietOptions())
		if err != nil {
			t.Fatal(err)
		}
		for _, stream := range allStreams {
			t.Run(file+"/"+stream, func(t *testing.T) {
				type mapped struct {
					Record int    `json:"record"`
					Result Result `json:"result"`
				}
				var out []mapped
				for i, rec := range loadRecords(t, stream) {
					out = append(out, mapped{Record: i, Result: m.Apply(context.Background(), rec, objectKey(stream))})
				}
				checkGolden(t, strings.TrimSuffix(strings.TrimSuffix(file, ".json"), ".yaml")+"/"+stream+".json", out)
			})
		}
	}
}
