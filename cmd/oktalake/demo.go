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
	"github.com/oktalake/oktalake/load"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
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
			log, err := begin(c)
			if err != nil {
				return err
			}
			if !c.IsSet("log-level") {
				log = slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: slog.LevelWarn}))
			}
			env, err := writerOptions(c, log)
			if err != nil {
				return err
			}
			format, err := objectFormat(c)
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
				PathFormat: c.String("path-format"), Envelope: env, MaxFileSize: maxFileSize(c), Format: format,
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
			return demoLoad(c, b, log)
		},
	}
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// demoLoad loads the demo bucket into a simulated Port with the embedded
// blueprints and default mapping, and prints the entities per blueprint.
func demoLoad(c *cli.Context, b *bucket, log *slog.Logger) error {
	srv := porttest.NewServer(porttest.Options{})
	defer srv.Close()
	fmt.Fprintf(c.App.Writer, "\nsimulated Port at %s\n", srv.URL)
	pc, err := port.New(port.Config{BaseURL: srv.URL, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, Logger: log})
	if err != nil {
		return err
	}
	if err := initPort(c.Context, c.App.Writer, pc, false); err != nil {
		return err
	}
	m, err := mapping.Parse(schemas.DefaultMapping(), "embedded default mapping", mapping.Options{Logger: log})
	if err != nil {
		return err
	}
	l, err := load.New(c.Context, load.Config{
		Store: b.store, Prefix: b.prefix, Namespace: b.namespace, Name: "demo",
		Mapping: m, Port: pc, Logger: log,
	})
	if err != nil {
		return err
	}
	sum, err := l.Run(c.Context)
	if sum != nil {
		fmt.Fprintln(c.App.Writer)
		sum.WriteTo(c.App.Writer)
	}
	if err != nil {
		return err
	}
	bps, err := schemas.PortBlueprints()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(bps))
	for name := range bps {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Fprintln(c.App.Writer, "\nentities in the simulated Port:")
	for _, name := range names {
		fmt.Fprintf(c.App.Writer, "  %-28s %d\n", name, len(srv.Entities(name)))
	}
	if n := sum.DeadLettered(); n > 0 {
		return fmt.Errorf("%d records were rejected (dead letters under %s)", n, sum.DeadLetters)
	}
	fmt.Fprintln(c.App.Writer, "zero rejected")
	return nil
}
