package main

import (
	"os"

	"github.com/urfave/cli/v2"
)

// emptyFallbacksUnset makes an empty variable as good as unset where a
// flag reads fallback names after it (Port's Ocean names, such as
// OCEAN__PORT__CLIENT_ID after PORT_CLIENT_ID): urfave/cli takes the first
// variable that is set, even empty, and a docker-compose file passing
// PORT_CLIENT_ID=${PORT_CLIENT_ID} would otherwise hide the Ocean value.
func emptyFallbacksUnset(cmds []*cli.Command) {
	for _, c := range cmds {
		for _, f := range c.Flags {
			ef, ok := f.(interface{ GetEnvVars() []string })
			if !ok {
				continue
			}
			names := ef.GetEnvVars()
			for i, name := range names {
				if i == len(names)-1 {
					break
				}
				if v, set := os.LookupEnv(name); set && v == "" {
					os.Unsetenv(name)
				}
			}
		}
		emptyFallbacksUnset(c.Subcommands)
	}
}
