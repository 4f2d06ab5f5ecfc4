package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/webhook"
	"github.com/urfave/cli/v2"
)

// cliFlags are the names of every flag of every command.
func cliFlags() map[string]bool {
	names := map[string]bool{}
	var walk func([]*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, c := range cmds {
			for _, f := range c.Flags {
				for _, n := range f.Names() {
					names[n] = true
				}
			}
			walk(c.Subcommands)
		}
	}
	walk(newApp(io.Discard, io.Discard).Commands)
	return names
}

// The table names real fields and real flags, so neither side can drift.
func TestFieldFlagsNameRealFieldsAndFlags(t *testing.T) {
	types := map[string]reflect.Type{
		"okta.Config":            reflect.TypeFor[okta.Config](),
		"extract.Config":         reflect.TypeFor[extract.Config](),
		"extract.BackfillConfig": reflect.TypeFor[extract.BackfillConfig](),
		"port.Config":            reflect.TypeFor[port.Config](),
		"load.Config":            reflect.TypeFor[load.Config](),
		"lake.StoreOptions":      reflect.TypeFor[lake.StoreOptions](),
		"webhook.Config":         reflect.TypeFor[webhook.Config](),
	}
	flags := cliFlags()
	for field, flag := range fieldFlags() {
		i := strings.LastIndexByte(field, '.')
		typ, ok := types[field[:i]]
		if !ok {
			t.Errorf("%s: no such configuration type", field)
		} else if _, ok := typ.FieldByName(field[i+1:]); !ok {
			t.Errorf("%s: %s has no field %s", field, typ, field[i+1:])
		}
		if !flags[strings.TrimPrefix(flag, "--")] {
			t.Errorf("%s: no command has the flag %s", field, flag)
		}
	}
}

func TestFlagNamesRewritesFields(t *testing.T) {
	tests := []struct{ in, want string }{
		{"okta.Config.Domain: missing", "--okta-domain: missing"},
		{"okta.Config.APIToken, okta.Config.ClientID: give either", "--okta-api-token, --okta-client-id: give either"},
		{"extract.BackfillConfig.Since 2026-01-02T00:00:00Z is not before extract.BackfillConfig.Until 2026-01-01T00:00:00Z",
			"--since 2026-01-02T00:00:00Z is not before --until 2026-01-01T00:00:00Z"},
		{"stream users: reset it with extract.Config.FullRefresh and extract.Config.Streams users", "stream users: reset it with --full-refresh and --streams users"},
		{"okta.Config.KeyID and okta.Config.Key", "--okta-key-id and okta.Config.Key"},
		{"nothing named here: Config.Domain", "nothing named here: Config.Domain"},
	}
	for _, tt := range tests {
		if got := flagNames(tt.in); got != tt.want {
			t.Errorf("flagNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLibrariesNameNoFlags keeps flag names in cmd: no string in a
// non-test file of a library names one of oktalake's flags; libraries name
// their configuration fields, and fieldFlags maps them.
func TestLibrariesNameNoFlags(t *testing.T) {
	// Simulators are servers of their own and name no flag of ours.
	exempt := []string{"cmd", "extract/oktatest", "load/porttest"}
	flags := cliFlags()
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if slices.Contains(exempt, rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, flag := range namedFlags(s) {
				if flags[flag] {
					t.Errorf("%s:%d: names the flag --%s (name the config field; cmd maps it)", rel, fset.Position(lit.Pos()).Line, flag)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// namedFlags are the words written --word in s.
func namedFlags(s string) []string {
	var out []string
	for rest := s; ; {
		i := strings.Index(rest, "--")
		if i < 0 {
			return out
		}
		rest = rest[i+2:]
		end := strings.IndexFunc(rest, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') })
		if end < 0 {
			end = len(rest)
		}
		if end > 0 {
			out = append(out, rest[:end])
		}
		rest = rest[end:]
	}
}
