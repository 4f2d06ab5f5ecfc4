package load

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"sync"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/webhook"
)

// The webhook sink: with Config.Webhook set, records are not mapped here
// but posted one by one to a Port custom-webhook integration, whose own
// mapping (seed 003's) makes the entities. Each record goes as the body
// Port's S3 ingestion presents (the record plus _PORT_SOURCE_OBJECT_KEY),
// so the mapping users already have works unchanged. Records travel the
// same path as entities: batches, acknowledgements, dead letters for what
// Port refuses, and the checkpoint only once every record of an object is
// accepted or dead-lettered.

// webhookBatch is the batcher's name for a stream's posts: one batch in
// flight, its records posted Webhook.Concurrency() at a time.
const webhookBatch = "(port webhook)"

// addWebhook queues one record for the webhook.
func (o *objectLoad) addWebhook(ctx context.Context, key string, rec lake.Record) {
	from := recordOrigin(key, rec)
	if _, err := webhookBody(rec.Data, key); err != nil {
		o.read.rejected++
		o.dl.add(newDeadLetter(from, "webhook body: "+err.Error(), nil))
		return
	}
	o.batches.add(ctx, webhookBatch, op{origin: from, identifier: requestID(key, rec.Line, rec.Data)})
}

// webhookBody is the record with _PORT_SOURCE_OBJECT_KEY added, as Port's
// S3 ingestion presents it as .body.
func webhookBody(record json.RawMessage, key string) ([]byte, error) {
	trimmed := bytes.TrimSpace(record)
	if len(trimmed) < 2 || trimmed[0] != '{' || trimmed[len(trimmed)-1] != '}' {
		return nil, errors.New("the record is not a JSON object")
	}
	k, _ := json.Marshal(mapping.SourceKeyField)
	v, _ := json.Marshal(key)
	out := make([]byte, 0, len(trimmed)+len(k)+len(v)+2)
	out = append(out, trimmed[:len(trimmed)-1]...)
	if len(bytes.TrimSpace(trimmed[1:len(trimmed)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(append(append(out, k...), ':'), v...)
	return append(out, '}'), nil
}

// requestID names one record for Port's requestIdentifierPath: the same
// record of the same object always gets the same id, so a post repeated
// after a lost answer or a restart is taken once.
func requestID(key string, line int, record json.RawMessage) string {
	h := sha256.New()
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(line)))
	h.Write([]byte{0})
	h.Write(record)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// posts sends a batch's records to the webhook, Concurrency at a time.
// Port's refusal of a record dead-letters it; any unknown outcome fails the
// batch (and its object loads again).
func (s sender) posts(ctx context.Context, b batch) outcome {
	var (
		mu  sync.Mutex
		out = outcome{sent: len(b.ops)}
		wg  sync.WaitGroup
		sem = make(chan struct{}, max(1, s.webhook.Concurrency()))
	)
	for _, o := range b.ops {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return outcome{err: ctx.Err()}
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			body, err := webhookBody(o.origin.record, o.origin.objectKey)
			if err == nil {
				err = s.webhook.Post(ctx, body, o.identifier)
			}
			if err == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			var refused *webhook.Refused
			if errors.As(err, &refused) {
				out.refused = append(out.refused, refusal{op: o, failure: port.Failure{Status: refused.Status, Message: "webhook refused the record: " + refused.Message}})
				return
			}
			if out.err == nil {
				out.err = err
			}
		}()
	}
	wg.Wait()
	if out.err != nil {
		return outcome{err: out.err}
	}
	return out
}
