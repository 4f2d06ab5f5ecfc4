package mapping

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var benchMapping = flag.String("mapping", filepath.Join("..", "..", "schemas", "mappings", "default.json"),
	"mapping file BenchmarkMapping runs (webhook JSON or Ocean YAML)")

// jqBenchRecords is how many payloads the jq CLI maps to measure its rate.
const jqBenchRecords = 10000

// BenchmarkMapping maps users and logs records with the -mapping file and
// reports records/s; it also runs the jq CLI over the same payloads with the
// same expressions and reports ours/jq as x_vs_jq (jq evaluating every
// expression of every mapping per record, as a mapping engine built on the
// CLI would) and x_vs_jq_gated (jq evaluating an entity only when its filter
// is true, as Apply does).
func BenchmarkMapping(b *testing.B) {
	data, err := os.ReadFile(*benchMapping)
	if err != nil {
		b.Fatal(err)
	}
	m, err := Parse(data, *benchMapping, quietOptions())
	if err != nil {
		b.Fatal(err)
	}
	for _, stream := range []string{"users", "logs"} {
		records := loadRecords(b, stream)
		key := objectKey(stream)
		jqAll, jqGated, jqErr := jqRates(b, m, records, key)
		if jqErr != nil {
			b.Logf("jq comparison skipped: %v", jqErr)
		}
		b.Run(stream, func(b *testing.B) {
			ctx := context.Background()
			entities := 0
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				res := m.Apply(ctx, records[i%len(records)], key)
				entities += len(res.Entities)
			}
			rate := float64(b.N) / time.Since(start).Seconds()
			b.ReportMetric(rate, "records/s")
			if jqErr == nil {
				b.ReportMetric(rate/jqAll, "x_vs_jq")
				b.ReportMetric(rate/jqGated, "x_vs_jq_gated")
			}
			if entities == 0 {
				b.Fatal("the mapping produced no entities")
			}
		})
		b.Run(stream+"/parallel", func(b *testing.B) {
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					m.Apply(ctx, records[i%len(records)], key)
					i++
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
		})
	}
}

// jqRates runs the jq CLI over jqBenchRecords inputs built from records (the
// webhook payload, or the record itself for Ocean) and returns its records/s
// evaluating every expression, and evaluating entities only behind their filter.
func jqRates(b *testing.B, m *Mapping, records []json.RawMessage, key string) (all, gated float64, err error) {
	b.Helper()
	if _, err := os.Stat(jqPath); err != nil {
		return 0, 0, fmt.Errorf("jq CLI not found at %s", jqPath)
	}
	dir := b.TempDir()
	var in bytes.Buffer
	for i := 0; i < jqBenchRecords; i++ {
		rec := records[i%len(records)]
		if m.Dialect() == Webhook {
			var body map[string]any
			if err := json.Unmarshal(rec, &body); err != nil {
				return 0, 0, err
			}
			body[SourceKeyField] = key
			line, err := json.Marshal(map[string]any{"body": body, "headers": map[string]any{}, "queryParams": map[string]any{}})
			if err != nil {
				return 0, 0, err
			}
			in.Write(line)
		} else {
			in.Write(rec)
		}
		in.WriteByte('\n')
	}
	inFile := filepath.Join(dir, "in.jsonl")
	if err := os.WriteFile(inFile, in.Bytes(), 0o644); err != nil {
		return 0, 0, err
	}
	stream := StreamOf(key)
	for _, gate := range []bool{false, true} {
		prog := jqProgram(m, stream, gate)
		progFile := filepath.Join(dir, "prog.jq")
		if err := os.WriteFile(progFile, []byte(prog), 0o644); err != nil {
			return 0, 0, err
		}
		cmd := exec.Command(jqPath, "-c", "-f", progFile, inFile)
		cmd.Stdout, cmd.Env = nil, []string{}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return 0, 0, fmt.Errorf("running jq: %v: %s", err, stderr.String())
		}
		rate := float64(jqBenchRecords) / time.Since(start).Seconds()
		if gate {
			gated = rate
		} else {
			all = rate
		}
	}
	return all, gated, nil
}

// jqProgram is one jq program taking the first output of every expression of
// m's mappings that apply to stream (all of them for the webhook dialect).
func jqProgram(m *Mapping, stream string, gate bool) string {
	first := func(e *expr) string { return fmt.Sprintf("(try first((%s), null) catch null)", e.src) }
	var parts []string
	for _, r := range m.rules {
		if m.Dialect() == Ocean && !r.streams[stream] {
			continue
		}
		var entity []string
		for _, e := range r.exprs() {
			if e != r.filter && e != r.items {
				entity = append(entity, first(e))
			}
		}
		body := "[" + strings.Join(entity, ", ") + "]"
		if r.items != nil {
			body = "[" + first(r.items) + "[]? as $item | . + {item: $item} | " + body + "]"
		}
		switch {
		case r.filter == nil:
			parts = append(parts, body)
		case gate:
			parts = append(parts, fmt.Sprintf("(if %s == true then %s else null end)", first(r.filter), body))
		default:
			parts = append(parts, "["+first(r.filter)+", "+body+"]")
		}
	}
	return "[" + strings.Join(parts, ",\n") + "]"
}
