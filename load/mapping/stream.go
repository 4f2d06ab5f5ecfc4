package mapping

import "strings"

// SourceKeyField is the body field carrying the record's object key, as in
// Port's S3 ingestion.
const SourceKeyField = "_PORT_SOURCE_OBJECT_KEY"

// StreamOf returns the stream named by an object key: its third "/"-separated
// segment, exactly what Port's published mappings compute with
// `.body._PORT_SOURCE_OBJECT_KEY | split("/") | .[2]` for keys laid out as
// <prefix>/<namespace>/<stream>/... ("" when the key has fewer segments).
func StreamOf(objectKey string) string {
	rest := objectKey
	for range 2 {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i]
	}
	return rest
}
