// composecheck loads a Compose file with compose-spec/compose-go, the parser `docker compose` itself uses, and
// prints the resolved project as JSON (interpolated, defaults applied, short volume/port syntax expanded), so the
// tests check what Docker would run rather than the YAML text.
//
//	composecheck [-env-file FILE] docker-compose.yml
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	envFile := flag.String("env-file", "", "an .env file to interpolate with (default: none, the defaults apply)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: composecheck [-env-file FILE] docker-compose.yml")
		os.Exit(2)
	}
	path, err := filepath.Abs(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	opts := []cli.ProjectOptionsFn{
		cli.WithOsEnv, // as docker compose: the shell's variables first, then the env file
		cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithName("heatpump-monitor"),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	}
	if *envFile != "" {
		opts = append(opts, cli.WithEnvFiles(*envFile), cli.WithDotEnv)
	}
	options, err := cli.NewProjectOptions([]string{path}, opts...)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	if err := out.Encode(project); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "composecheck:", err)
	os.Exit(1)
}
