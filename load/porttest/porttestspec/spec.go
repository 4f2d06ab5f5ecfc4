// Package porttestspec validates requests to and responses from the
// simulated Port against Port's OpenAPI document. It is for tests only: it
// links kin-openapi and its router, which the shipped binary (whose demo
// runs porttest) must not carry. Plug a Spec into porttest.Options.Validator.
package porttestspec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Spec is Port's OpenAPI document, ready to validate requests and responses.
// Loading takes a while (the document is 1.6 MB): load it once per test binary.
type Spec struct {
	router  routers.Router
	options *openapi3filter.Options
	server  *url.URL
}

// LoadSpec reads Port's OpenAPI document (shared/specs/port-api.yaml).
func LoadSpec(path string) (*Spec, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading port spec %s: %w", path, err)
	}
	if len(doc.Servers) == 0 {
		return nil, fmt.Errorf("loading port spec %s: no servers", path)
	}
	server, err := url.Parse(doc.Servers[0].URL)
	if err != nil {
		return nil, fmt.Errorf("parsing port spec server url: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("building port spec router: %w", err)
	}
	return &Spec{
		router: router,
		server: server,
		options: &openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			RegexCompiler:      compilePortPattern,
			MultiError:         false,
		},
	}, nil
}

// lookahead is the prefix of Port's identifier patterns that Go's regexp
// cannot compile; it only refuses "." and "..".
const lookahead = `^(?!\.{1,2}$)`

// compilePortPattern compiles the spec's patterns with Go's regexp, turning
// the identifier patterns' lookahead into an explicit check.
func compilePortPattern(expr string) (openapi3.RegexMatcher, error) {
	if rest, ok := strings.CutPrefix(expr, lookahead); ok {
		re, err := regexp.Compile("^" + rest)
		if err != nil {
			return nil, err
		}
		return dotsRefused{re}, nil
	}
	return regexp.Compile(expr)
}

type dotsRefused struct{ re *regexp.Regexp }

func (d dotsRefused) MatchString(s string) bool { return s != "." && s != ".." && d.re.MatchString(s) }

// route finds the spec operation for r, whatever host r was sent to.
func (s *Spec) route(r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	u := *r.URL
	u.Scheme, u.Host = s.server.Scheme, s.server.Host
	req := r.Clone(context.Background())
	req.URL = &u
	req.Host = u.Host
	req.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return nil, fmt.Errorf("finding route: %w", err)
	}
	return &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: s.options}, nil
}

// ValidateRequest checks a request and its body against the spec.
func (s *Spec) ValidateRequest(r *http.Request, body []byte) error {
	in, err := s.route(r, body)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateRequest(context.Background(), in)
}

// ValidateResponse checks a response to r against the spec. Statuses the
// spec does not list (429, 5xx) are not checked.
func (s *Spec) ValidateResponse(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	in, err := s.route(r, reqBody)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                s.options,
	})
}
