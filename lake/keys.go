package lake

import (
	"strconv"
	"strings"
)

// The bucket's names, in one place: where data objects end and how their
// part numbers read, and every key under MetaDir that extract and load
// keep for themselves (state, backfill progress, loader checkpoints, dead
// letters, the write probe). Callers build keys only through these.
//
//	<prefix>/<namespace>/<stream>/...<part>.jsonl.gz      data (PathFormat, PartKey; .parquet in Parquet)
//	<prefix>/_oktalake/state/<namespace>.json             StateKey
//	<prefix>/_oktalake/state/<namespace>.backfill-<stream>.json  BackfillStateKey
//	<prefix>/_oktalake/loader/<loader>.json               CheckpointKey
//	<prefix>/_oktalake/loader/<loader>/<stream>.keys.gz   ArchiveKey
//	<prefix>/_oktalake/errors/<loader>/<stream>/...       StreamErrorsPrefix (dead letters)
//	<prefix>/_oktalake/probe-<random>                     ProbeKey

// MetaDir, under the prefix, holds oktalake's own objects (state, loader
// checkpoints, dead letters) apart from the data.
const MetaDir = "_oktalake"

// Extension ends every data object's key that oktalake writes.
const Extension = ".jsonl.gz"

// dataExtensions are the names load reads as data objects: what oktalake
// and Airbyte write (.jsonl.gz, .parquet), and plain or differently named
// JSONL that other writers leave.
var dataExtensions = []string{Extension, ParquetExtension, ".json.gz", ".jsonl"}

// writerExtensions end the parts a Writer writes, in either format.
var writerExtensions = []string{Extension, ParquetExtension}

// IsDataObject reports whether key names a data object load reads: its
// name ends in .jsonl.gz, .parquet, .json.gz or .jsonl.
func IsDataObject(key string) bool {
	_, ok := cutDataExtension(key)
	return ok
}

// cutDataExtension returns key without its data extension.
func cutDataExtension(key string) (string, bool) {
	for _, ext := range dataExtensions {
		if name, ok := strings.CutSuffix(key, ext); ok {
			return name, true
		}
	}
	return key, false
}

// PartKey is the key of part number part of base: base + part + ".jsonl.gz".
func PartKey(base string, part int) string {
	return PartKeyWith(base, part, Extension)
}

// PartKeyWith is PartKey for a format's extension, such as ".parquet".
func PartKeyWith(base string, part int, ext string) string {
	return base + strconv.Itoa(part) + ext
}

// ParsePartKey splits a data object's key "<base><part><extension>" into
// base and part number, as Airbyte and PartKey write it: the decimal digits
// before the extension, without leading zeros. ok is false for a key that
// is not a data object or has no such number ("x_02.jsonl.gz" has none: no
// writer gives that name, so FreePart never counts it and backfill never
// removes it).
func ParsePartKey(key string) (base string, part int, ok bool) {
	name, ok := cutDataExtension(key)
	if !ok {
		return "", 0, false
	}
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	digits := name[i:]
	if digits == "" || (len(digits) > 1 && digits[0] == '0') {
		return "", 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil { // too many digits for an int
		return "", 0, false
	}
	return name[:i], n, true
}

// PartOf returns the part number of key when key is part n of base as a
// Writer names it in either format (PartKey, or PartKeyWith and
// ParquetExtension): part numbers are shared by the formats, so a stream
// written as JSONL and then as Parquet never reuses one.
func PartOf(base, key string) (int, bool) {
	b, n, ok := ParsePartKey(key)
	if !ok || b != base {
		return 0, false
	}
	for _, ext := range writerExtensions {
		if PartKeyWith(b, n, ext) == key {
			return n, true
		}
	}
	return 0, false
}

// StateKey is where extract keeps a namespace's stream state.
func StateKey(prefix, namespace string) string {
	return JoinKey(prefix, MetaDir, "state", namespace+".json")
}

// BackfillStateKey is where backfill keeps the windows of stream it
// finished, so an interrupted backfill resumes without redoing them.
func BackfillStateKey(prefix, namespace, stream string) string {
	return JoinKey(prefix, MetaDir, "state", namespace+".backfill-"+stream+".json")
}

// CheckpointKey is where the loader named loader records the objects it
// loaded.
func CheckpointKey(prefix, loader string) string {
	return JoinKey(prefix, MetaDir, "loader", loader+".json")
}

// ArchiveKey is where the loader named loader keeps the keys of stream
// compacted out of its checkpoint.
func ArchiveKey(prefix, loader, stream string) string {
	return JoinKey(prefix, MetaDir, "loader", loader, stream+".keys.gz")
}

// ErrorsRoot is where every loader's dead letters live, each loader's
// under its own name.
func ErrorsRoot(prefix string) string {
	return JoinKey(prefix, MetaDir, "errors") + "/"
}

// ErrorsPrefix is where the dead letters of the loader named loader live:
// loaders with different names may feed different Ports, and each replays
// only its own.
func ErrorsPrefix(prefix, loader string) string {
	return JoinKey(prefix, MetaDir, "errors", loader) + "/"
}

// StreamErrorsPrefix is where the loader named loader keeps the dead
// letters of stream.
func StreamErrorsPrefix(prefix, loader, stream string) string {
	return JoinKey(prefix, MetaDir, "errors", loader, stream) + "/"
}

// deadLetterPathFormat names a dead-letter object after the stream and the
// time it was written (UTC, to the second), with a UUID so that two loaders
// of one name never race for a key.
const deadLetterPathFormat = "${STREAM_NAME}/${YEAR}${MONTH}${DAY}T${HOUR}${MINUTE}${SECOND}Z_${UUID}_"

// DeadLetterWriterConfig configures a Writer of the loader named loader's
// dead letters of stream: objects under StreamErrorsPrefix, one dead letter
// a line as it is (the Raw envelope).
func DeadLetterWriterConfig(prefix, loader, stream string) WriterConfig {
	return WriterConfig{Prefix: ErrorsPrefix(prefix, loader), Stream: stream, PathFormat: deadLetterPathFormat, Envelope: Raw}
}

// ParseDeadLetterKey finds the loader and stream of a dead-letter object
// listed under ErrorsRoot(prefix). Objects written before dead letters were
// kept per loader name (errors/<stream>/<file>) give loader "" (they
// belong to the loader that had no name of its own). ok is false for a key
// in neither layout.
func ParseDeadLetterKey(prefix, key string) (loader, stream string, ok bool) {
	rest, found := strings.CutPrefix(key, ErrorsRoot(prefix))
	if !found {
		return "", "", false
	}
	switch parts := strings.Split(rest, "/"); {
	case len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] != "":
		return parts[0], parts[1], true
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return "", parts[0], true
	}
	return "", "", false
}

// ProbeKey is a fresh key for CheckWritable's probe object.
func ProbeKey(prefix string) string {
	return JoinKey(prefix, MetaDir, "probe-"+randomHex(8))
}
