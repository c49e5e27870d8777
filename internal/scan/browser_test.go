package scan

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart-sec/rampart/internal/testenv"
)

const chromiumPath = "/usr/bin/chromium"

// TestHTMLReportInBrowser renders the HTML report of a real scan of the
// tutorial API in headless Chromium: the chart and every finding are shown,
// nothing is fetched, and the screenshot is a real picture. Set
// RAMPART_SCREENSHOT_DIR to keep it.
func TestHTMLReportInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		testenv.Unavailable(t, chromiumPath+" is missing (apt-get install chromium)")
	}
	a, srv := newTutorialAPI(t, false)
	r := scanT(t, Options{Target: srv.URL, OpenAPI: tutorialSpec(t), Auth: "Bearer " + a.token(t, "alice")})
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Flag("disable-background-networking", true), chromedp.WindowSize(1200, 900))
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	tab, cancel := context.WithTimeout(browser, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.ID("chart"))); err != nil {
		t.Fatalf("loading the report: %v", err)
	}
	bars, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('#chart rect').length`))
	if err != nil || bars != 4 {
		t.Errorf("chart has %d bars (err %v), want 4", bars, err)
	}
	shown, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('details.finding').length`))
	if err != nil || shown != len(r.Findings) {
		t.Errorf("page shows %d findings (err %v), report has %d", shown, err, len(r.Findings))
	}
	fixes, _ := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('details.finding .fix').length`))
	if fixes != len(r.Findings) {
		t.Errorf("%d findings show a fix, want %d", fixes, len(r.Findings))
	}
	fetched, _ := chromedp.Run(tab, chromedp.Evaluate[int](`performance.getEntriesByType('resource').length`))
	if fetched != 0 {
		t.Errorf("the report fetched %d resources", fetched)
	}
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if bnd := img.Bounds(); bnd.Dx() < 800 || bnd.Dy() < 900 || len(shot) < 20<<10 {
		t.Errorf("screenshot %dx%d, %d bytes: too small to show the report", bnd.Dx(), bnd.Dy(), len(shot))
	}
	distinct := map[uint32]bool{}
	for y := 0; y < img.Bounds().Dy(); y += 7 {
		for x := 0; x < img.Bounds().Dx(); x += 7 {
			r, g, b, _ := img.At(x, y).RGBA()
			distinct[(r>>11)<<10|(g>>11)<<5|b>>11] = true
		}
	}
	if len(distinct) < 8 {
		t.Errorf("screenshot has %d distinct colours: blank page?", len(distinct))
	}
	out := filepath.Join(dir, "report.png")
	if d := os.Getenv("RAMPART_SCREENSHOT_DIR"); d != "" {
		out = filepath.Join(d, "scan-report.png")
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", out, len(shot))
}
