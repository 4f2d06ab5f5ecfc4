package load

import (
	"context"

	"github.com/oktalake/oktalake/load/ledger"
)

// rebuild makes a stream's ledger again when it is lost or corrupt. Until
// it reads Port, it starts an empty ledger: every entity is sent once more
// and nothing earlier is owned (never deleted).
func (l *Loader) rebuild(ctx context.Context, stream string) (*ledger.Stream, error) {
	return ledger.New(stream, ledger.DefaultShards), nil
}
