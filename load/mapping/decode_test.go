package mapping

import (
	"encoding/json"
	"reflect"
	"testing"
)

var decodeCases = []string{
	`{}`,
	` {"a" : 1 , "b":[ ] ,"c":{}} `,
	`{"n":[0,-0,1.5,-2e-3,1E+2,12345678901234567890,0.1]}`,
	`{"s":"plain","e":"\"\\\/\b\f\n\r\t","u":"\u00e9\u4e2d\ud83d\ude00","lone":"\ud800x","lone2":"\udc00\u0041","pairbad":"\ud800\u0041"}`,
	"{\"bad\":\"a\xffb\",\"bad2\":\"\xc3\"}",
	`{"dup":1,"dup":2}`,
	`{"t":true,"f":false,"z":null,"deep":[[[{"x":[null]}]]]}`,
	`{"ünï":"cödé","esc\u0041key":1}`,
	// Invalid inputs: both decoders must refuse them.
	`{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1]`, `"x"`, `null`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`,
	`{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a":1} x`, `{"a":tru}`, `{"a":1e1000}`, `{"a":"unterminated}`, ``,
}

// TestDecodeMatchesEncodingJSON checks the record decoder against
// encoding/json: same values for valid objects, an error for anything else.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, stream := range allStreams {
		for _, rec := range loadRecords(t, stream) {
			decodeCases = append(decodeCases, string(rec))
		}
	}
	for _, in := range decodeCases {
		compareDecoders(t, []byte(in))
	}
}

func FuzzDecode(f *testing.F) {
	for _, in := range decodeCases {
		f.Add([]byte(in))
	}
	f.Fuzz(compareDecoders)
}

func compareDecoders(t *testing.T, in []byte) {
	got, err := decodeObject(in)
	var want any
	wantErr := json.Unmarshal(in, &want)
	if _, isObj := want.(map[string]any); wantErr == nil && !isObj {
		wantErr = errNotObject
	}
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("decodeObject(%q): err = %v, encoding/json err = %v", in, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeObject(%q) = %#v\nencoding/json gives %#v", in, got, want)
	}
}
