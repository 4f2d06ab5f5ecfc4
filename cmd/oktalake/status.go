package main

import (
	"errors"
	"time"

	"github.com/oktalake/oktalake/status"
	"github.com/urfave/cli/v2"
)

// errStatusProblems makes status exit 1 once the report is printed.
var errStatusProblems = errors.New("status: problems found (see above)")

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "the lake and its loaders at a glance (reads only the bucket); exit 1 when a stream's last run failed or a loader lags past --max-lag",
		Flags: concat(bucketFlags(), []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON, for scripts"},
			&cli.StringFlag{Name: "max-lag", EnvVars: []string{"OKTALAKE_MAX_LAG"}, Usage: "a loader lags when its oldest object not loaded is older than this duration and/or more objects than this are pending: 2h, 500 or 2h,500"},
		}),
		Action: func(c *cli.Context) error {
			lim, err := status.ParseLagLimit(c.String("max-lag"))
			if err != nil {
				return usagef("--max-lag: %w", err)
			}
			b, err := openBucket(c)
			if err != nil {
				return err
			}
			r, err := status.Collect(c.Context, status.Config{Store: b.store, Prefix: b.prefix, Namespace: b.namespace, Now: time.Now(), MaxLag: lim})
			if err != nil {
				return err
			}
			if c.Bool("json") {
				err = r.WriteJSON(c.App.Writer)
			} else {
				err = r.WriteTable(c.App.Writer)
			}
			if err != nil {
				return err
			}
			if !r.OK {
				return errStatusProblems
			}
			return nil
		},
	}
}
