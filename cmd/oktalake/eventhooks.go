package main

import (
	"fmt"
	"strings"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/streams"
	"github.com/urfave/cli/v2"
)

// eventHookScopes are the OAuth scopes the event-hooks commands need.
var eventHookScopes = []string{"okta.eventHooks.manage"}

func eventHookNameFlag() cli.Flag {
	return &cli.StringFlag{Name: "name", EnvVars: []string{"OKTALAKE_EVENT_HOOK_NAME"}, Value: "oktalake", Usage: "the event hook's name in Okta (register updates the hook of this name)"}
}

func eventHookSecretFlag() cli.Flag {
	return &cli.StringFlag{Name: "event-hook-secret", EnvVars: []string{"OKTA_EVENT_HOOK_SECRET"}, Usage: "the secret Okta sends as the Authorization header of every event hook request (never logged)"}
}

func eventHooksCommand() *cli.Command {
	return &cli.Command{
		Name:  "event-hooks",
		Usage: "register, list or delete the Okta event hook that feeds oktalake serve",
		Subcommands: []*cli.Command{
			{
				Name:  "register",
				Usage: "create or update the event hook (the event types serve handles, the secret), activate and verify it; a second run changes nothing",
				Flags: concat(oktaFlags(), logFlags(), []cli.Flag{
					&cli.StringFlag{Name: "url", EnvVars: []string{"OKTALAKE_EVENT_HOOK_URL"}, Usage: "serve's public endpoint, https://host/okta/event-hooks"},
					eventHookSecretFlag(), eventHookNameFlag(),
				}),
				Action: func(c *cli.Context) error {
					log, err := begin(c)
					if err != nil {
						return err
					}
					if c.String("url") == "" {
						return usagef("--url is required (serve's public endpoint, https://host/okta/event-hooks)")
					}
					if c.String("event-hook-secret") == "" {
						return usagef("--event-hook-secret (or OKTA_EVENT_HOOK_SECRET) is required")
					}
					client, err := newOktaClient(c, log, eventHookScopes)
					if err != nil {
						return err
					}
					res, err := client.RegisterEventHook(c.Context, okta.EventHookSpec{
						Name: c.String("name"), URI: c.String("url"), Secret: c.String("event-hook-secret"), Events: streams.EventTypeNames(),
					})
					if err != nil {
						return err
					}
					what := "unchanged"
					if res.Changed() {
						var done []string
						for _, d := range []struct {
							ok   bool
							word string
						}{{res.Created, "created"}, {res.Updated, "updated"}, {res.Activated, "activated"}, {res.Verified, "verified"}} {
							if d.ok {
								done = append(done, d.word)
							}
						}
						what = strings.Join(done, ", ")
					}
					_, err = fmt.Fprintf(c.App.Writer, "event hook %s (%s): %s; %s, %s, %d event types → %s\n",
						res.Hook.Name, res.Hook.ID, what, res.Hook.Status, res.Hook.VerificationStatus, len(res.Hook.Events), res.Hook.URI)
					return err
				},
			},
			{
				Name:  "list",
				Usage: "list the org's event hooks",
				Flags: concat(oktaFlags(), logFlags()),
				Action: func(c *cli.Context) error {
					log, err := begin(c)
					if err != nil {
						return err
					}
					client, err := newOktaClient(c, log, eventHookScopes)
					if err != nil {
						return err
					}
					hooks, err := client.ListEventHooks(c.Context)
					if err != nil {
						return err
					}
					for _, h := range hooks {
						if _, err := fmt.Fprintf(c.App.Writer, "%s\t%s\t%s\t%s\t%d event types\t%s\n", h.ID, h.Name, h.Status, h.VerificationStatus, len(h.Events), h.URI); err != nil {
							return err
						}
					}
					return nil
				},
			},
			{
				Name:  "delete",
				Usage: "deactivate and delete the event hook of --name (or --id)",
				Flags: concat(oktaFlags(), logFlags(), []cli.Flag{
					eventHookNameFlag(),
					&cli.StringFlag{Name: "id", EnvVars: []string{"OKTALAKE_EVENT_HOOK_ID"}, Usage: "the event hook's id (instead of --name)"},
				}),
				Action: func(c *cli.Context) error {
					log, err := begin(c)
					if err != nil {
						return err
					}
					client, err := newOktaClient(c, log, eventHookScopes)
					if err != nil {
						return err
					}
					id := c.String("id")
					if id == "" {
						hooks, err := client.ListEventHooks(c.Context)
						if err != nil {
							return err
						}
						for _, h := range hooks {
							if h.Name == c.String("name") {
								id = h.ID
							}
						}
						if id == "" {
							return fmt.Errorf("no event hook named %q in %s", c.String("name"), client.BaseURL())
						}
					}
					if err := client.DeleteEventHook(c.Context, id); err != nil {
						return err
					}
					_, err = fmt.Fprintf(c.App.Writer, "event hook %s deleted\n", id)
					return err
				},
			},
		},
	}
}
