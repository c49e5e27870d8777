package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// WebhookSink POSTs each event as a JSON object to a URL. Any answer other
// than 2xx is an error, so a Queue retries it. Redirects are never followed,
// whatever Client says: following one would turn the POST into a body-less
// GET (a 301, 302 or 303) whose 2xx would count as delivered, send Header
// to the redirect's target and let it downgrade https to http. A 3xx is
// therefore a failed attempt.
type WebhookSink struct {
	// URL receives the events.
	URL string
	// Header is added to every request (an Authorization header, for
	// example). It is never logged.
	Header http.Header
	// Client sends the requests. Nil means a client with a 10s timeout. Its
	// CheckRedirect is ignored: redirects are not followed.
	Client *http.Client
}

var _ Sink = (*WebhookSink)(nil)

// Send POSTs e.
func (s *WebhookSink) Send(ctx context.Context, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return errors.New("audit webhook: invalid URL")
	}
	for k, vs := range s.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	var c http.Client
	if s.Client != nil {
		c = *s.Client
	} else {
		c.Timeout = 10 * time.Second
	}
	c.CheckRedirect = noRedirects
	resp, err := c.Do(req)
	if err != nil {
		// The URL may carry a token: name only the failure.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("audit webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("audit webhook: answered %s", resp.Status)
	}
	return nil
}

// noRedirects makes a Client return a 3xx answer instead of following it.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
