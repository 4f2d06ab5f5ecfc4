package lake

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultPathFormat is Airbyte destination-s3's s3_path_format as Port's
// guide sets it; the object name continues with "<part>.jsonl.gz".
const DefaultPathFormat = "${NAMESPACE}/${STREAM_NAME}/year=${YEAR}/month=${MONTH}/${DAY}_${EPOCH}_"

// Defaults of the bucket layout, shared by extract and load.
const (
	// DefaultPrefix starts every key; Port's mappings take the stream name
	// from the third key segment, after the prefix and the namespace.
	DefaultPrefix = "data"
	// DefaultNamespace fills ${NAMESPACE}.
	DefaultNamespace = "okta"
)

// pathVar is one ${VARIABLE} of a path format; 0 marks literal text.
type pathVar int

const (
	varLiteral pathVar = iota
	varNamespace
	varStreamName
	varYear
	varMonth
	varDay
	varHour
	varMinute
	varSecond
	varMillisecond
	varEpoch
	varUUID
)

// pathVarNames are Airbyte's variable names, in the order it documents them.
var pathVarNames = []struct {
	name string
	v    pathVar
}{
	{"NAMESPACE", varNamespace}, {"STREAM_NAME", varStreamName},
	{"YEAR", varYear}, {"MONTH", varMonth}, {"DAY", varDay},
	{"HOUR", varHour}, {"MINUTE", varMinute}, {"SECOND", varSecond},
	{"MILLISECOND", varMillisecond}, {"EPOCH", varEpoch}, {"UUID", varUUID},
}

// PathFormat is a parsed Airbyte s3_path_format.
type PathFormat struct {
	raw  string
	segs []pathSeg
}

type pathSeg struct {
	lit string
	v   pathVar
}

// PathVars are the values a PathFormat renders.
type PathVars struct {
	// Namespace and Stream fill ${NAMESPACE} and ${STREAM_NAME}.
	Namespace, Stream string
	// Time fills the date and time variables, in UTC.
	Time time.Time
	// UUID fills ${UUID}.
	UUID string
}

// ParsePathFormat parses an Airbyte s3_path_format. Terraform's escaped
// form $${VAR} is read as ${VAR}, so formats copied from Port's Terraform
// guide work unchanged. Unknown variables are an error.
func ParsePathFormat(format string) (*PathFormat, error) {
	f := &PathFormat{raw: format}
	var lit strings.Builder
	rest := format
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			lit.WriteString(rest)
			break
		}
		litPart := rest[:i]
		// "$${" is Terraform's escape for a literal "${".
		litPart = strings.TrimSuffix(litPart, "$")
		lit.WriteString(litPart)
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf("parsing path format %q: unterminated %q", format, rest[i:])
		}
		name := rest[i+2 : i+end]
		v, ok := lookupPathVar(name)
		if !ok {
			return nil, fmt.Errorf("parsing path format %q: unknown variable ${%s} (known: %s)", format, name, knownPathVars())
		}
		if lit.Len() > 0 {
			f.segs = append(f.segs, pathSeg{lit: lit.String()})
			lit.Reset()
		}
		f.segs = append(f.segs, pathSeg{v: v})
		rest = rest[i+end+1:]
	}
	if lit.Len() > 0 {
		f.segs = append(f.segs, pathSeg{lit: lit.String()})
	}
	if len(f.segs) == 0 {
		return nil, errors.New("parsing path format: empty")
	}
	return f, nil
}

func lookupPathVar(name string) (pathVar, bool) {
	for _, n := range pathVarNames {
		if n.name == name {
			return n.v, true
		}
	}
	return varLiteral, false
}

func knownPathVars() string {
	names := make([]string, len(pathVarNames))
	for i, n := range pathVarNames {
		names[i] = "${" + n.name + "}"
	}
	return strings.Join(names, " ")
}

// String returns the format as given to ParsePathFormat.
func (f *PathFormat) String() string { return f.raw }

// UsesUUID reports whether the format contains ${UUID}.
func (f *PathFormat) UsesUUID() bool {
	for _, s := range f.segs {
		if s.v == varUUID {
			return true
		}
	}
	return false
}

// Render fills in the variables. Times are converted to UTC; month, day,
// hour, minute and second have two digits, millisecond three, and ${EPOCH}
// is in milliseconds, as Airbyte writes them.
func (f *PathFormat) Render(v PathVars) string {
	t := v.Time.UTC()
	var b strings.Builder
	for _, s := range f.segs {
		switch s.v {
		case varLiteral:
			b.WriteString(s.lit)
		case varNamespace:
			b.WriteString(v.Namespace)
		case varStreamName:
			b.WriteString(v.Stream)
		case varYear:
			b.WriteString(strconv.Itoa(t.Year()))
		case varMonth:
			pad(&b, int(t.Month()), 2)
		case varDay:
			pad(&b, t.Day(), 2)
		case varHour:
			pad(&b, t.Hour(), 2)
		case varMinute:
			pad(&b, t.Minute(), 2)
		case varSecond:
			pad(&b, t.Second(), 2)
		case varMillisecond:
			pad(&b, t.Nanosecond()/int(time.Millisecond), 3)
		case varEpoch:
			b.WriteString(strconv.FormatInt(t.UnixMilli(), 10))
		case varUUID:
			b.WriteString(v.UUID)
		}
	}
	return b.String()
}

func pad(b *strings.Builder, n, width int) {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
}

// KeyBase is the full key of a data object up to its part number:
// prefix + "/" + the rendered format, with runs of slashes collapsed and no
// leading slash, as Airbyte builds it.
func (f *PathFormat) KeyBase(prefix string, v PathVars) string {
	s := f.Render(v)
	if prefix != "" {
		s = prefix + "/" + s
	}
	return collapseSlashes(s)
}

func collapseSlashes(s string) string {
	if !strings.Contains(s, "//") && !strings.HasPrefix(s, "/") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && (b.Len() == 0 || s[i-1] == '/') {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FreePart returns the lowest part number, from 0, whose key under base
// does not exist yet. Two writers racing for the same number cannot both
// win: Commit refuses to overwrite, so the loser fails loudly.
func FreePart(ctx context.Context, s Store, base string) (int, error) {
	taken := map[int]bool{}
	err := s.List(ctx, base, "", func(o ObjectInfo) error {
		if n, ok := PartOf(base, o.Key); ok {
			taken[n] = true
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("finding a free part number for %s: %w", base, err)
	}
	n := 0
	for taken[n] {
		n++
	}
	return n, nil
}

// SeparatesStreams reports whether the format contains ${STREAM_NAME}.
// Without it every stream renders the same keys: the streams' writers race
// for one key and all but one fail.
func (f *PathFormat) SeparatesStreams() bool {
	for _, s := range f.segs {
		if s.v == varStreamName {
			return true
		}
	}
	return false
}

// InLoadLayout reports whether the format's keys start with
// <namespace>/<stream>/ after the prefix: the layout load lists
// (<prefix>/<namespace>/<stream>/) and Port's published mappings read (the
// stream is the key's third segment). Objects in any other layout are
// valid Airbyte output, but load does not find them.
func (f *PathFormat) InLoadLayout() bool {
	// NUL cannot occur in a format (flags and environment variables cannot
	// hold it), so these values cannot be mistaken for literal text.
	const ns, stream = "\x00namespace", "\x00stream"
	key := f.KeyBase("", PathVars{Namespace: ns, Stream: stream})
	return strings.HasPrefix(key, ns+"/"+stream+"/")
}

// KeyInPath finds an object's key in the path of a file inside a local
// bucket: the part from <prefix>/<namespace>/<stream>/ before the last
// "year=" directory, as the default layout writes it. For example
// /tmp/lake/data/okta/users/year=2026/month=11/20_1_0.jsonl.gz gives
// data/okta/users/year=2026/month=11/20_1_0.jsonl.gz. ok is false when the
// path does not have that shape (a one-segment prefix is assumed).
func KeyInPath(path string) (key string, ok bool) {
	segs := strings.Split(filepath.ToSlash(path), "/")
	for i := len(segs) - 2; i >= 3; i-- {
		if strings.HasPrefix(segs[i], "year=") {
			lead := segs[i-3 : i]
			for _, s := range lead {
				if s == "" || s == "." || s == ".." {
					return "", false
				}
			}
			return strings.Join(segs[i-3:], "/"), true
		}
	}
	return "", false
}
