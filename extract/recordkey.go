package extract

import (
	"bytes"
	"encoding/json"

	"github.com/oktalake/oktalake/streams"
)

// keyFields are the record fields the catalog's primary keys use. Decoding
// a record into them skips every other field without building it, where
// streams.Stream.KeyOf decodes the whole top level into a map; this runs
// once per record of every tracked stream.
type keyFields struct {
	ID      json.RawMessage `json:"id"`
	GroupID json.RawMessage `json:"groupId"`
	AppID   json.RawMessage `json:"appId"`
	UserID  json.RawMessage `json:"userId"`
	RoleID  json.RawMessage `json:"roleId"`
	Label   json.RawMessage `json:"label"`
	UUID    json.RawMessage `json:"uuid"`
}

func (k *keyFields) field(name string) (json.RawMessage, bool) {
	switch name {
	case "id":
		return k.ID, true
	case "groupId":
		return k.GroupID, true
	case "appId":
		return k.AppID, true
	case "userId":
		return k.UserID, true
	case "roleId":
		return k.RoleID, true
	case "label":
		return k.Label, true
	case "uuid":
		return k.UUID, true
	}
	return nil, false
}

// recordKey is st.KeyOf(rec), the same key and the same errors, reading
// only the primary-key fields: it hands KeyOf a record of just those.
func recordKey(st streams.Stream, rec json.RawMessage) (string, error) {
	var kf keyFields
	if err := json.Unmarshal(rec, &kf); err != nil {
		return st.KeyOf(rec) // KeyOf words the error
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range st.PrimaryKey {
		v, ok := kf.field(name)
		if !ok {
			return st.KeyOf(rec) // a key field this table does not know
		}
		if len(v) == 0 {
			continue // missing: KeyOf reports it
		}
		if i > 0 && b.Len() > 1 {
			b.WriteByte(',')
		}
		n, _ := json.Marshal(name) // marshalling a string cannot fail
		b.Write(n)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return st.KeyOf(b.Bytes())
}
