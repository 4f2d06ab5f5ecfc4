package port

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func sizedItems(sizes ...int) []item {
	out := make([]item, len(sizes))
	for i, s := range sizes {
		out[i] = item{index: i, id: i, json: bytes.Repeat([]byte("x"), s)}
	}
	return out
}

func TestBatches(t *testing.T) {
	big := maxBodyBytes / 3
	tests := []struct {
		name  string
		items []item
		want  []int // batch lengths
	}{
		{"empty", nil, nil},
		{"one", sizedItems(10), []int{1}},
		{"count limit", sizedItems(make([]int, 45)...), []int{20, 20, 5}},
		{"size limit", sizedItems(big, big, big, big), []int{2, 2}},
		{"exactly full", sizedItems(maxBodyBytes-bulkEnvelope-1-100, 100), []int{2}},
		{"one byte over", sizedItems(maxBodyBytes-bulkEnvelope-1-100, 101), []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			next := 0
			for _, b := range batches(tt.items, maxBatchEntities, maxBodyBytes) {
				got = append(got, len(b))
				if n := len(encodeBatch(b)); n > maxBodyBytes {
					t.Errorf("batch body %d bytes, over %d", n, maxBodyBytes)
				}
				for _, it := range b {
					if it.index != next {
						t.Fatalf("order broken: got index %d, want %d", it.index, next)
					}
					next++
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("batch lengths %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEncodeBatch(t *testing.T) {
	b := []item{{json: []byte(`{"identifier":"a"}`)}, {json: []byte(`{"identifier":"b"}`)}}
	var got struct {
		Entities []map[string]string `json:"entities"`
	}
	if err := json.Unmarshal(encodeBatch(b), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Entities) != 2 || got.Entities[1]["identifier"] != "b" {
		t.Errorf("decoded %+v", got)
	}
}

func TestRounds(t *testing.T) {
	q := map[string]any{"combinator": "and", "rules": []any{}}
	items := []item{{index: 0, id: "a"}, {index: 1, id: "b"}, {index: 2, id: "a"}, {index: 3, id: q}, {index: 4, id: "a"}, {index: 5, id: q}}
	var got [][]int
	for _, r := range rounds(items) {
		var idx []int
		for _, it := range r {
			idx = append(idx, it.index)
		}
		got = append(got, idx)
	}
	want := [][]int{{0, 1, 3}, {2, 5}, {4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rounds %v, want %v", got, want)
	}
}
