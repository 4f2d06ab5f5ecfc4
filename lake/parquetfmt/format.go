package parquetfmt

import (
	"io"

	"github.com/oktalake/oktalake/lake"
)

// Format is the Parquet format of a lake.Writer's parts
// (lake.WriterConfig.Format): each part is one Parquet object written by an
// Encoder, committed once its footer is written, and rotated when
// Encoder.BytesWritten reaches the writer's MaxFileSize.
type Format struct {
	opts Options
}

// NewFormat returns the Parquet format with opts (defaults filled in).
func NewFormat(opts Options) (*Format, error) {
	opts.SetDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Format{opts: opts}, nil
}

// Options are the format's options, with the defaults filled in.
func (f *Format) Options() Options { return f.opts }

// Extension is ".parquet".
func (f *Format) Extension() string { return lake.ParquetExtension }

// NewEncoder starts one Parquet object of stream on w.
func (f *Format) NewEncoder(w io.Writer, stream string) (lake.ObjectEncoder, error) {
	return NewEncoder(w, stream, f.opts)
}
