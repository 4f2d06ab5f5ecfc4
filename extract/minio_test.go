package extract

import (
	"context"
	"testing"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/laketest"
)

func TestMain(m *testing.M) { laketest.Main(m) }

// minioStore opens a fresh bucket on the test MinIO server (skipped without
// one unless OKTALAKE_REQUIRE_MINIO=1).
func minioStore(t *testing.T) lake.Store {
	t.Helper()
	env := laketest.MinIO(t)
	s, _, err := lake.OpenStore(context.Background(), env.URL(""), lake.StoreOptions{
		S3Endpoint: env.Endpoint, Region: env.Region, AccessKey: env.AccessKey, SecretKey: env.SecretKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
