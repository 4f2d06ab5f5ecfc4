package serve

import (
	"testing"

	"github.com/oktalake/oktalake/lake/laketest"
)

// TestMain stops the MinIO server the benchmarks may start.
func TestMain(m *testing.M) { laketest.Main(m) }
