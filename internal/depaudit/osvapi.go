package depaudit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DefaultOSVAPI is the base URL of the public OSV API.
const DefaultOSVAPI = "https://api.osv.dev"

// osvBatchSize is the most queries one querybatch request carries (the
// API's documented limit is 1000).
const osvBatchSize = 1000

// maxOSVResponse bounds one OSV API response body.
const maxOSVResponse = 32 << 20

// OSVClient asks the OSV API (https://google.github.io/osv.dev/api/) which
// advisories affect each package: one /v1/querybatch round (following
// next_page_token), then /v1/vulns/{id} for each advisory's full record.
type OSVClient struct {
	base   string
	client *http.Client
}

var _ Source = (*OSVClient)(nil)

// NewOSVClient returns a client for the OSV API at base (DefaultOSVAPI when
// empty). A nil client means http.DefaultClient.
func NewOSVClient(base string, client *http.Client) *OSVClient {
	if base == "" {
		base = DefaultOSVAPI
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &OSVClient{base: strings.TrimRight(base, "/"), client: client}
}

// preMatched marks a Source whose answers are already matched to the
// queried versions.
func (c *OSVClient) preMatched() bool { return true }

// Describe names the API asked.
func (c *OSVClient) Describe() string { return "OSV API " + c.base }

type osvQuery struct {
	Package   osvQueryPackage `json:"package"`
	Version   string          `json:"version"`
	PageToken string          `json:"page_token,omitempty"`
}

type osvQueryPackage struct {
	Name      string `json:"name"`
	Ecosystem string `json:"ecosystem"`
}

type osvBatchResponse struct {
	Results []struct {
		Vulns []struct {
			ID string `json:"id"`
		} `json:"vulns"`
		NextPageToken string `json:"next_page_token"`
	} `json:"results"`
}

// Advisories asks the API about every package and fetches the advisories it
// names. The API has already matched versions; depaudit matches again with
// the full records to find the fixed versions.
func (c *OSVClient) Advisories(ctx context.Context, pkgs []Package) ([][]*Entry, error) {
	ids := make([][]string, len(pkgs))
	queries := make([]osvQuery, len(pkgs))
	for i, p := range pkgs {
		v := p.Version
		if p.Ecosystem == Go {
			v = strings.TrimPrefix(v, "v")
		}
		queries[i] = osvQuery{Package: osvQueryPackage{Name: p.Name, Ecosystem: string(p.Ecosystem)}, Version: v}
	}
	pending := make([]int, len(pkgs))
	for i := range pending {
		pending[i] = i
	}
	for len(pending) > 0 {
		n := min(len(pending), osvBatchSize)
		batch := pending[:n]
		pending = pending[n:]
		req := struct {
			Queries []osvQuery `json:"queries"`
		}{}
		for _, i := range batch {
			req.Queries = append(req.Queries, queries[i])
		}
		var resp osvBatchResponse
		if err := c.post(ctx, "/v1/querybatch", req, &resp); err != nil {
			return nil, err
		}
		if len(resp.Results) != len(batch) {
			return nil, fmt.Errorf("OSV querybatch: %d results for %d queries", len(resp.Results), len(batch))
		}
		for j, r := range resp.Results {
			i := batch[j]
			for _, v := range r.Vulns {
				ids[i] = append(ids[i], v.ID)
			}
			if r.NextPageToken != "" {
				queries[i].PageToken = r.NextPageToken
				pending = append(pending, i)
			}
		}
	}
	cache := map[string]*Entry{}
	out := make([][]*Entry, len(pkgs))
	for i, list := range ids {
		for _, id := range list {
			e, ok := cache[id]
			if !ok {
				var err error
				if e, err = c.vuln(ctx, id); err != nil {
					return nil, err
				}
				cache[id] = e
			}
			out[i] = append(out[i], e)
		}
	}
	return out, nil
}

// vuln fetches one advisory by id.
func (c *OSVClient) vuln(ctx context.Context, id string) (*Entry, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/vulns/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, fmt.Errorf("OSV vuln %s: %w", id, err)
	}
	var e Entry
	if err := c.do(req, &e); err != nil {
		return nil, fmt.Errorf("OSV vuln %s: %w", id, err)
	}
	return &e, nil
}

func (c *OSVClient) post(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("OSV %s: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("OSV %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if err := c.do(req, out); err != nil {
		return fmt.Errorf("OSV %s: %w", path, err)
	}
	return nil
}

func (c *OSVClient) do(req *http.Request, out any) error {
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOSVResponse+1))
	if err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	if len(body) > maxOSVResponse {
		return fmt.Errorf("response larger than %d bytes", maxOSVResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s: %.200s", resp.Status, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding response: %w", err)
	}
	return nil
}
