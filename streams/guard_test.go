package streams

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestNoStreamBranchesOutsideTheCatalog keeps the catalog the one source of
// per-stream behaviour: no non-test file outside it compares a value with a
// stream name, switches on one, looks a stream up by a literal name, or
// keeps its own list or map of stream names.
// Such code asks a catalog field instead (CursorKind, SkipParentIfZero,
// ParentListing, References, OceanKinds).
func TestNoStreamBranchesOutsideTheCatalog(t *testing.T) {
	// The catalog itself may name streams, and so may the simulators, which
	// know Okta and Port apart from the code they test (their oracles, such
	// as oktatest's Org.Count, are keyed by stream name, and their routes
	// hold Okta's path segments).
	exempt := []string{"streams", "extract/oktatest", "load/porttest"}
	root := moduleRoot(t)
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || slices.Contains(exempt, rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		found = append(found, streamBranches(t, path, rel)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Error(f)
	}
}

// TestStreamBranchesFound proves the scan finds what it forbids.
func TestStreamBranchesFound(t *testing.T) {
	src := `package p

func f(name string, s struct{ Name string }) {
	if s.Name == "logs" {}
	if "group_members" != name {}
	switch name {
	case "users", "other":
	}
	Lookup("groups")
	streams.Select([]string{"x"})
	_ = name == "not_a_stream"
	_ = map[string]string{"okta-user": "users"}
	_ = []string{"a", "applications"}
	_ = [][]string{{"logs"}}
	_ = T{Name: "users"}
}
`
	path := filepath.Join(t.TempDir(), "p.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got := streamBranches(t, path, "p.go")
	want := []string{
		`p.go:4: compares with stream name "logs"`,
		`p.go:5: compares with stream name "group_members"`,
		`p.go:7: switches on stream name "users"`,
		`p.go:9: looks up stream "groups" by name`,
		`p.go:12: lists stream name "users"`,
		`p.go:13: lists stream name "applications"`,
		`p.go:14: lists stream name "logs"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("found\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// streamBranches lists, as "file:line: what", the places in one file that
// branch on a stream name.
func streamBranches(t *testing.T, path, rel string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parsing %s: %v", rel, err)
	}
	streamName := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(lit.Value)
		if err != nil {
			return "", false
		}
		_, known := Lookup(v)
		return v, known
	}
	var out []string
	report := func(n ast.Node, format string, args ...any) {
		out = append(out, fmt.Sprintf("%s:%d: %s", rel, fset.Position(n.Pos()).Line, fmt.Sprintf(format, args...)))
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if n.Op != token.EQL && n.Op != token.NEQ {
				return true
			}
			for _, side := range []ast.Expr{n.X, n.Y} {
				if name, ok := streamName(side); ok {
					report(n, "compares with stream name %q", name)
				}
			}
		case *ast.SwitchStmt:
			if n.Tag == nil {
				return true
			}
			for _, c := range n.Body.List {
				for _, e := range c.(*ast.CaseClause).List {
					if name, ok := streamName(e); ok {
						report(e, "switches on stream name %q", name)
					}
				}
			}
		case *ast.CompositeLit:
			// Slice and map literals; a struct field's value (Name: "logs"
			// of a command or a flag) names something else.
			for _, e := range n.Elts {
				parts := []ast.Expr{e}
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if _, field := kv.Key.(*ast.Ident); field {
						continue
					}
					parts = []ast.Expr{kv.Key, kv.Value}
				}
				for _, p := range parts {
					if name, ok := streamName(p); ok {
						report(p, "lists stream name %q", name)
					}
				}
			}
		case *ast.CallExpr:
			fn := ""
			switch f := n.Fun.(type) {
			case *ast.Ident:
				fn = f.Name
			case *ast.SelectorExpr:
				fn = f.Sel.Name
			}
			if fn != "Lookup" {
				return true
			}
			for _, a := range n.Args {
				if name, ok := streamName(a); ok {
					report(n, "looks up stream %q by name", name)
				}
			}
		}
		return true
	})
	return out
}

// moduleRoot is the directory holding go.mod, above the package's.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
