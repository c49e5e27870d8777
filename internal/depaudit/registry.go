package depaudit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Default registry endpoints, used when the environment names none.
const (
	DefaultGoProxy = "https://proxy.golang.org,direct"
	DefaultPyPI    = "https://pypi.org"
	DefaultNpm     = "https://registry.npmjs.org"
)

// maxRegistryResponse bounds one registry response body (npm's abbreviated
// metadata for a popular package runs to a few megabytes).
const maxRegistryResponse = 64 << 20

// errNotFound is a registry's 404 or 410.
var errNotFound = errors.New("not found")

// GoProxy finds the newest version of Go modules through the module proxy
// protocol, configured as the go command is: GOPROXY (a list of URLs,
// "direct" and "off", separated by "," — fall through on 404/410 only — or
// "|" — fall through on any error) and GONOPROXY/GOPRIVATE (module path
// patterns that are never sent to a proxy). "direct" means fetching from
// version control, which depaudit does not do; such modules are not asked.
// GOFLAGS holds no setting that changes proxy lookups (-mod governs how the
// go command uses go.mod and vendor/, and depaudit reads go.mod itself).
type GoProxy struct {
	proxies    []proxyHop
	noProxy    string
	client     *http.Client
	configured string
}

type proxyHop struct {
	url          string // "", "direct" or "off" for the keywords
	anyErrorNext bool   // separated from the next hop by "|"
}

// NewGoProxy returns a GoProxy configured from getenv (os.Getenv, or a fake
// in tests). A nil client means http.DefaultClient.
func NewGoProxy(getenv func(string) string, client *http.Client) *GoProxy {
	if client == nil {
		client = http.DefaultClient
	}
	conf := getenv("GOPROXY")
	if conf == "" {
		conf = DefaultGoProxy
	}
	g := &GoProxy{client: client, configured: conf}
	g.noProxy = getenv("GONOPROXY")
	if g.noProxy == "" {
		g.noProxy = getenv("GOPRIVATE")
	}
	for conf != "" {
		i := strings.IndexAny(conf, ",|")
		hop := proxyHop{url: conf}
		if i >= 0 {
			hop.url, hop.anyErrorNext = conf[:i], conf[i] == '|'
			conf = conf[i+1:]
		} else {
			conf = ""
		}
		hop.url = strings.TrimRight(strings.TrimSpace(hop.url), "/")
		if hop.url != "" {
			g.proxies = append(g.proxies, hop)
		}
	}
	return g
}

// Describe names the proxies asked.
func (g *GoProxy) Describe() string { return "Go module proxy (GOPROXY=" + g.configured + ")" }

// Latest returns the newest version the proxies know of.
func (g *GoProxy) Latest(ctx context.Context, path string) (string, error) {
	if module.MatchPrefixPatterns(g.noProxy, path) {
		return "", notAskedf("%s matches GONOPROXY/GOPRIVATE", path)
	}
	escaped, err := module.EscapePath(path)
	if err != nil {
		return "", fmt.Errorf("module path %q: %w", path, err)
	}
	var lastErr error = notAskedf("GOPROXY lists no proxy")
	for _, hop := range g.proxies {
		switch hop.url {
		case "off":
			return "", notAskedf("GOPROXY=off")
		case "direct":
			return "", notAskedf("GOPROXY reaches %s only directly (version control)", path)
		}
		v, err := g.latestFrom(ctx, hop.url, escaped)
		if err == nil {
			return v, nil
		}
		lastErr = fmt.Errorf("%s: %w", hop.url, err)
		if !hop.anyErrorNext && !errors.Is(err, errNotFound) {
			return "", lastErr
		}
	}
	return "", lastErr
}

// latestFrom asks one proxy as the go command does for "@latest": the
// highest release in @v/list (a compatible one before any +incompatible,
// pre-releases only when there is no release, pseudo-versions never), and
// the @latest endpoint only when the list is empty.
func (g *GoProxy) latestFrom(ctx context.Context, proxy, escaped string) (string, error) {
	body, err := get(ctx, g.client, proxy+"/"+escaped+"/@v/list", "text/plain")
	if err != nil {
		return "", err
	}
	best := ""
	rank := func(v string) int {
		switch {
		case semver.Prerelease(v) != "":
			return 0
		case semver.Build(v) == "+incompatible":
			return 1
		}
		return 2
	}
	for _, v := range strings.Fields(string(body)) {
		if !semver.IsValid(v) || module.IsPseudoVersion(v) {
			continue
		}
		if best == "" || rank(v) > rank(best) || rank(v) == rank(best) && semver.Compare(v, best) > 0 {
			best = v
		}
	}
	if best != "" {
		return best, nil
	}
	var info struct {
		Version string `json:"Version"`
	}
	if err := getJSON(ctx, g.client, proxy+"/"+escaped+"/@latest", "", &info); err != nil {
		return "", err
	}
	if info.Version == "" {
		return "", errors.New("@latest named no version")
	}
	return info.Version, nil
}

// PyPIRegistry reads the newest release from PyPI's JSON API
// (GET /pypi/{name}/json, field info.version).
type PyPIRegistry struct {
	base   string
	client *http.Client
}

// NewPyPIRegistry returns a PyPI client at base (DefaultPyPI when empty).
func NewPyPIRegistry(base string, client *http.Client) *PyPIRegistry {
	if base == "" {
		base = DefaultPyPI
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &PyPIRegistry{base: strings.TrimRight(base, "/"), client: client}
}

// Describe names the index asked.
func (r *PyPIRegistry) Describe() string { return "PyPI JSON API " + r.base }

// Latest returns info.version, the newest non-pre-release.
func (r *PyPIRegistry) Latest(ctx context.Context, name string) (string, error) {
	var doc struct {
		Info struct {
			Version string `json:"version"`
		} `json:"info"`
	}
	if err := getJSON(ctx, r.client, r.base+"/pypi/"+url.PathEscape(name)+"/json", "", &doc); err != nil {
		return "", err
	}
	if doc.Info.Version == "" {
		return "", errors.New("PyPI named no version")
	}
	return doc.Info.Version, nil
}

// NpmRegistry reads the "latest" dist-tag from an npm registry.
type NpmRegistry struct {
	base   string
	client *http.Client
}

// NewNpmRegistry returns an npm registry client at base (DefaultNpm when
// empty; the CLI passes $NPM_CONFIG_REGISTRY).
func NewNpmRegistry(base string, client *http.Client) *NpmRegistry {
	if base == "" {
		base = DefaultNpm
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &NpmRegistry{base: strings.TrimRight(base, "/"), client: client}
}

// Describe names the registry asked.
func (r *NpmRegistry) Describe() string { return "npm registry " + r.base }

// Latest returns the package's "latest" dist-tag.
func (r *NpmRegistry) Latest(ctx context.Context, name string) (string, error) {
	var doc struct {
		DistTags map[string]string `json:"dist-tags"`
	}
	// A scoped name keeps its "@" and escapes its "/".
	u := r.base + "/" + strings.Replace(url.PathEscape(name), "%40", "@", 1)
	if err := getJSON(ctx, r.client, u, "application/vnd.npm.install-v1+json", &doc); err != nil {
		return "", err
	}
	if doc.DistTags["latest"] == "" {
		return "", errors.New("npm named no latest version")
	}
	return doc.DistTags["latest"], nil
}

// getJSON GETs u and decodes its JSON body into out.
func getJSON(ctx context.Context, client *http.Client, u, accept string, out any) error {
	if accept == "" {
		accept = "application/json"
	}
	body, err := get(ctx, client, u, accept)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding response: %w", err)
	}
	return nil
}

// get GETs u and returns its body; 404 and 410 wrap errNotFound.
func get(ctx context.Context, client *http.Client, u, accept string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return nil, fmt.Errorf("HTTP %s: %w", resp.Status, errNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRegistryResponse+1))
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	if len(body) > maxRegistryResponse {
		return nil, fmt.Errorf("response larger than %d bytes", maxRegistryResponse)
	}
	return body, nil
}
