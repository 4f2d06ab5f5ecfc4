package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path"
	"sort"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/streams"
	"github.com/urfave/cli/v2"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "run the pipeline end to end on a simulated Okta org and a local bucket",
		Flags: concat(bucketFlags(), writerFlags(), logFlags(), []cli.Flag{
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "seed of the simulated org"},
			&cli.IntFlag{Name: "users", Usage: "users in the simulated org (default: a small org)"},
		}),
		Action: func(c *cli.Context) error {
			log, err := newLogger(c)
			if err != nil {
				return err
			}
			if !c.IsSet("log-level") {
				log = slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: slog.LevelWarn}))
			}
			env, err := writerOptions(c)
			if err != nil {
				return err
			}
			orgCfg := oktatest.DefaultOrgConfig()
			orgCfg.Seed = c.Int64("seed")
			if n := c.Int("users"); n > 0 {
				orgCfg.Users = n
			}
			org := oktatest.NewOrg(orgCfg)
			token := randomToken()
			srv := oktatest.NewServer(org, oktatest.Options{Token: token})
			defer srv.Close()
			fmt.Fprintf(c.App.Writer, "simulated Okta org at %s (seed %d)\n", srv.URL, orgCfg.Seed)

			client, err := okta.New(okta.Config{Domain: srv.URL, APIToken: token, Logger: log, RateLimitShare: 1, MaxConcurrency: 10})
			if err != nil {
				return err
			}
			b, err := openBucket(c)
			if err != nil {
				return err
			}
			sum, err := extract.Run(c.Context, extract.Config{
				Client: client, Store: b.store, Prefix: b.prefix, Namespace: b.namespace,
				PathFormat: c.String("path-format"), Envelope: env, MaxFileSize: c.Int64("max-file-size"),
				Streams: streams.All(), FullRefresh: true, Logger: log,
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer)
			sum.WriteTo(c.App.Writer)
			if err := sum.Err(); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "\nobjects in %s under %s/%s/:\n", b.url, b.prefix, b.namespace)
			dirs := map[string]int{}
			for _, st := range sum.Streams {
				for _, k := range st.Keys {
					dirs[path.Dir(k)]++
				}
			}
			names := make([]string, 0, len(dirs))
			for d := range dirs {
				names = append(names, d)
			}
			sort.Strings(names)
			for _, d := range names {
				fmt.Fprintf(c.App.Writer, "  %s/ (%d objects)\n", d, dirs[d])
			}
			return nil
		},
	}
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
