//go:build tools

package tools

import (
	_ "github.com/apache/arrow/go/v17/arrow"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/getkin/kin-openapi/routers/gorillamux"
	_ "github.com/google/uuid"
	_ "github.com/itchyny/gojq"
	_ "github.com/klauspost/compress/gzip"
	_ "github.com/minio/minio-go/v7"
	_ "github.com/urfave/cli/v2"
	_ "gopkg.in/yaml.v3"
)
