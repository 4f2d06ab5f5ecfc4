// Package iox holds the small io helpers several packages share.
package iox

import "io"

// CountingWriter counts the bytes written to W and keeps the first error:
// after one, every Write fails with it and writes nothing, so a caller that
// writes many small pieces (a report, a Parquet row group) checks Err once.
type CountingWriter struct {
	W   io.Writer
	N   int64
	Err error
}

// Write writes p to W unless an earlier write failed.
func (c *CountingWriter) Write(p []byte) (int, error) {
	if c.Err != nil {
		return 0, c.Err
	}
	n, err := c.W.Write(p)
	c.N += int64(n)
	c.Err = err
	return n, err
}
