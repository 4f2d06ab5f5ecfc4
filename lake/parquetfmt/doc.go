// Package parquetfmt is the lake's Parquet format: an Encoder that streams
// one stream's records into a Parquet object through Apache Arrow, with
// columns typed from the stream's JSON schema, and a Decoder that gives
// back each record as the JSON object that was written, so that a mapping
// sees the same record from a Parquet lake as from a JSONL one.
//
// # Layout
//
// A row is one record, laid out as Airbyte destination-s3 lays out its
// Parquet output (docs/integrations/destinations/s3.md and
// s3-migrations.md in airbytehq/airbyte): the envelope columns
// _airbyte_raw_id (string), _airbyte_extracted_at (timestamp[ms, UTC]),
// _airbyte_generation_id (int64) and _airbyte_meta (struct of changes, a
// list of {field, change, reason}, always empty here, and sync_id), then
// the record's top-level members as columns. Types follow Airbyte's JSON
// to Parquet conversion (docs/understanding-airbyte/json-avro-conversion.md):
//
//	string                     string
//	string, format date-time   timestamp[ms, UTC] (Okta writes milliseconds)
//	integer                    int64
//	number                     float64
//	boolean                    bool
//	object with properties     struct, plus a _airbyte_additional_properties child
//	array with items           list
//	anything else              string holding JSON text (an object without
//	                           properties such as debugContext.debugData, an
//	                           array without items, a union of types)
//
// Every column is nullable. Strings holding JSON text carry the Arrow field
// metadata oktalake.encoding=json (on the list field for a list of them),
// which the stored Arrow schema keeps in the file.
//
// # Nothing is lost
//
// A typed column cannot hold everything a record may hold, so each row
// also keeps, losslessly:
//
//   - _airbyte_additional_properties (at the top level and in every
//     struct): a JSON object of the members the typed columns beside it do
//     not hold exactly. That is every member the schema does not declare
//     (custom profile attributes, fields Okta adds later), and every
//     declared member whose value the column cannot hold or would change:
//     a value of another JSON type (a string where the schema says
//     integer), a date-time in another layout (no milliseconds, an offset,
//     microseconds), an integer written 1.0 or beyond int64, a number that
//     would not print back the same, a string with an escaped lone
//     surrogate, a list with one such item. Where the column can still
//     hold an approximation (the instant of a date-time in another layout,
//     truncated to milliseconds) it does, for queries; when reading, the
//     additional properties take precedence. Airbyte's legacy Parquet
//     output used this name for undeclared members; Airbyte 1.0 drops them.
//   - _oktalake_null_fields: the RFC 6901 JSON Pointers (such as
//     /profile/mobilePhone or /target/0/detailEntry) of the typed members
//     that were JSON null. A typed column reads null both for a null member
//     and for an absent one; a member is absent when its column is null and
//     its pointer is not listed. Items of a list have no absence: a null
//     item is a null element.
//
// Members keep their values, not their byte spelling: "\u00e9" reads back
// as "é", and members come back in schema order followed by the
// additional properties. Decoding then gives a JSON value equal to the
// record written: the same members, present or absent, null or not, with
// the same values and the same number tokens. Of a key repeated within an
// object, the last one wins, as in encoding/json and jq.
//
// # Seam
//
// Format is lake.Writer's Parquet format (lake.WriterConfig.Format): per
// part, the writer opens an object through Store.Create, writes each
// record through an Encoder, rotates when BytesWritten reaches its
// MaxFileSize, then Close writes the footer and the part is committed. A
// Parquet object is readable only once closed, so a part is always whole.
// Keys end in ".parquet" instead of ".jsonl.gz", with the same part
// numbers. Every stream that can be deleted from also has the tombstone
// columns _ab_cdc_deleted_at (a timestamp) and _oktalake_deleted_by.
//
// Reading needs random access (the footer is at the end): NewDecoder takes
// an io.ReaderAt and the object's size, such as an *os.File for a local
// store, or a spooled copy for S3 (lake.Spool, as load does); Next gives lake.Record
// values with the same contract as lake.Reader's (Line is the 1-based row
// number, *lake.LineError for a row that cannot be decoded).
package parquetfmt
