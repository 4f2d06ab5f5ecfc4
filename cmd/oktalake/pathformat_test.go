package main

import (
	"context"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
)

// Every command that writes objects checks --path-format at start: without
// ${STREAM_NAME} the streams would race for one key, and a format whose keys
// do not start with ${NAMESPACE}/${STREAM_NAME}/ writes objects load never
// finds; both are usage errors (the second unless --allow-foreign-layout).
func TestPathFormatIsCheckedAtStart(t *testing.T) {
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	srv := oktatest.NewServer(org, oktatest.Options{Token: "tok"})
	defer srv.Close()
	since := org.Now().AddDate(0, 0, -1).UTC().Format("2006-01-02")
	okta := []string{"--okta-domain", srv.URL, "--okta-api-token", "tok"}
	commands := map[string][]string{
		"extract":  append([]string{"extract", "--streams", "users,groups"}, okta...),
		"backfill": append([]string{"backfill", "logs", "--since", since}, okta...),
		"demo":     {"demo"},
	}
	formats := []struct {
		name, format, want string
	}{
		{"no stream name", "${NAMESPACE}/year=${YEAR}/${DAY}_${EPOCH}_", "${STREAM_NAME}"},
		{"no variable at all", "okta_", "${STREAM_NAME}"},
		{"a directory before the namespace", "x/${NAMESPACE}/${STREAM_NAME}/${EPOCH}_", "--allow-foreign-layout"},
		{"stream before namespace", "${STREAM_NAME}/${NAMESPACE}/${EPOCH}_", "--allow-foreign-layout"},
		{"unknown variable", "${NAMESPACE}/${STREAM}/", "unknown variable"},
	}
	for cname, args := range commands {
		for _, f := range formats {
			t.Run(cname+"/"+f.name, func(t *testing.T) {
				dir := t.TempDir()
				out, errOut, code := runCLI(t, append(args, "--bucket", dir, "--path-format", f.format)...)
				if code != 2 || !strings.Contains(errOut, "--path-format") || !strings.Contains(errOut, f.want) {
					t.Fatalf("code %d (want 2), stderr %q (want it to mention --path-format and %q)\nstdout:\n%s", code, errOut, f.want, out)
				}
				if keys := allKeys(t, dir); len(keys) != 0 {
					t.Errorf("a refused run wrote %q", keys)
				}
			})
		}
	}
}

// With --allow-foreign-layout a foreign layout is written, and the run warns
// that load lists <prefix>/<namespace>/<stream>/ and will not find it.
func TestForeignPathFormatWithAllowFlagWarnsWhatLoadLists(t *testing.T) {
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	srv := oktatest.NewServer(org, oktatest.Options{Token: "tok"})
	defer srv.Close()
	dir := t.TempDir()
	out, errOut, code := runCLI(t, "extract", "--okta-domain", srv.URL, "--okta-api-token", "tok", "--streams", "users",
		"--bucket", dir, "--path-format", "export/${NAMESPACE}/${STREAM_NAME}/${EPOCH}_", "--allow-foreign-layout")
	if code != 0 {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "level=WARN") || !strings.Contains(errOut, "load lists data/okta/<stream>/") {
		t.Errorf("no warning naming what load lists:\n%s", errOut)
	}
	keys := allKeys(t, dir)
	found := false
	for _, k := range keys {
		found = found || strings.HasPrefix(k, "data/export/okta/users/")
	}
	if !found {
		t.Errorf("no object in the foreign layout: %q", keys)
	}
}

// Formats in the load layout, however spelled, are accepted.
func TestPathFormatInLoadLayoutIsAccepted(t *testing.T) {
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	srv := oktatest.NewServer(org, oktatest.Options{Token: "tok"})
	defer srv.Close()
	for _, format := range []string{
		"$${NAMESPACE}/$${STREAM_NAME}/year=$${YEAR}/$${DAY}_$${EPOCH}_", // Port's Terraform guide
		"/${NAMESPACE}/${STREAM_NAME}/${UUID}_",
	} {
		dir := t.TempDir()
		out, errOut, code := runCLI(t, "extract", "--okta-domain", srv.URL, "--okta-api-token", "tok", "--streams", "users",
			"--bucket", dir, "--path-format", format)
		if code != 0 || strings.Contains(errOut, "level=WARN") {
			t.Errorf("%s: code %d\n%s%s", format, code, out, errOut)
		}
	}
}

func allKeys(t *testing.T, dir string) []string {
	t.Helper()
	store, _, err := lake.OpenStore(context.Background(), dir, lake.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := store.List(context.Background(), "", "", func(o lake.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}
