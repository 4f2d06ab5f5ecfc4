package main

import (
	"github.com/oktalake/oktalake/load"
	"github.com/urfave/cli/v2"
)

// deleteFlags are load's flags for deletes and plans.
func deleteFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "plan", EnvVars: []string{"OKTALAKE_PLAN"}, Usage: "print what a load would upsert and delete per blueprint, touching nothing in Port and writing no checkpoint or ledger"},
		&cli.Float64Flag{Name: "delete-threshold", EnvVars: []string{"OKTALAKE_DELETE_THRESHOLD"}, Value: load.DefaultDeleteThreshold,
			Usage: "largest share of a blueprint's owned entities one run may delete (as Ocean's entityDeletionThreshold); above it nothing is deleted and the run fails"},
		&cli.BoolFlag{Name: "resync", EnvVars: []string{"OKTALAKE_RESYNC"}, Usage: "ignore the ledger's hashes for this run: post every entity the run loads (overwrites hand edits in Port) and refresh the ledger"},
		&cli.BoolFlag{Name: "no-deletes", EnvVars: []string{"OKTALAKE_NO_DELETES"}, Usage: "delete nothing in Port; deletes stay pending in the ledger"},
		&cli.BoolFlag{Name: "delete-dependents", EnvVars: []string{"OKTALAKE_DELETE_DEPENDENTS"},
			Usage: "send deletes with Port's delete_dependents, which also deletes every entity relating to a deleted one (needed when a blueprint has a required relation, as seed 003's okta_event; those dependents may include entities this loader did not write)"},
	}
}

// applyDeleteFlags sets cfg from deleteFlags.
func applyDeleteFlags(c *cli.Context, cfg *load.Config) error {
	cfg.Plan, cfg.NoDeletes, cfg.DeleteThreshold, cfg.Resync = c.Bool("plan"), c.Bool("no-deletes"), c.Float64("delete-threshold"), c.Bool("resync")
	cfg.DeleteDependents = c.Bool("delete-dependents")
	switch {
	case cfg.Plan && c.Bool("follow"):
		return usagef("--plan runs once: it cannot --follow")
	case cfg.Plan && c.Bool("replay-errors"):
		return usagef("--plan does not replay dead letters: drop --replay-errors")
	}
	return nil
}
