// Package mapping is oktalake's jq mapping engine: it turns Okta records into
// Port entities the way Port's hosted webhook/S3 ingestion and Ocean
// integrations do, so mappings copied from Port's documentation work unchanged.
//
// Two dialects are accepted. The webhook dialect is a JSON array of mappings
// ({blueprint, operation, filter, itemsToParse, entity}) whose jq runs over
// {"body": record + {"_PORT_SOURCE_OBJECT_KEY": key}, "headers": {}, "queryParams": {}}.
// The Ocean dialect is a port-app-config YAML (resources[].kind/selector/port)
// whose jq runs over the record itself; a resource's kind picks the streams it maps.
//
// Every expression is compiled once by Parse (a bad one fails there, naming its
// mapping index and field). Apply then follows Port's jq semantics: each field
// takes the expression's first output, an error yields null and is counted per
// mapping and field, a filter must produce the boolean true, env and $ENV are
// empty objects, and every record's evaluation is bounded in time. An
// expression with no output leaves its property out in the webhook dialect
// (Port's runner returns undefined) and sets null in the Ocean dialect.
//
// Speed comes from decoding each record once with a single-pass decoder and
// from evaluating the shapes that fill real mappings (field paths, the stream
// test on the object key, del(.. | nulls)) in Go; gojq runs everything else,
// and the differential test holds both to the jq CLI's results.
package mapping
