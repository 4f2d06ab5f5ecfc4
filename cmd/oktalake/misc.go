package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/schemas"
	"github.com/oktalake/oktalake/streams"
	"github.com/urfave/cli/v2"
)

func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

func joinFields(f []string) string { return strings.Join(f, ",") }

func printSchema(w io.Writer, name string) error {
	if _, ok := streams.Lookup(name); !ok {
		return usagef("--schema: unknown stream %q (known: %s)", name, strings.Join(streams.Names(), ", "))
	}
	b, err := schemas.StreamSchema(name)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return fmt.Errorf("schema of %s is not valid JSON: %w", name, err)
	}
	out.WriteByte('\n')
	_, err = out.WriteTo(w)
	return err
}

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "check the Okta credentials and that the bucket is writable",
		Flags: concat(oktaFlags(), bucketFlags(), logFlags(), []cli.Flag{
			&cli.BoolFlag{Name: "skip-okta", Usage: "check only the bucket"},
			&cli.BoolFlag{Name: "create-bucket", Usage: "create the bucket if it does not exist (local MinIO)"},
		}),
		Action: func(c *cli.Context) error {
			log, err := begin(c)
			if err != nil {
				return err
			}
			if !c.Bool("skip-okta") {
				client, err := newOktaClient(c, log, streams.Scopes(streams.All()))
				if err != nil {
					return err
				}
				if _, err := client.Get(c.Context, "/api/v1/users?limit=1"); err != nil {
					return fmt.Errorf("okta %s: %w", client.BaseURL(), err)
				}
				fmt.Fprintf(c.App.Writer, "okta: %s reachable, credentials accepted\n", client.BaseURL())
			}
			b, err := openBucket(c)
			if err != nil {
				return err
			}
			if c.Bool("create-bucket") {
				if err := lake.EnsureBucket(c.Context, b.store); err != nil {
					return err
				}
			}
			if err := lake.CheckWritable(c.Context, b.store, b.prefix); err != nil {
				return fmt.Errorf("bucket %s: %w", b.url, err)
			}
			fmt.Fprintf(c.App.Writer, "bucket: %s writable under %s/\n", b.url, b.prefix)
			return nil
		},
	}
}
