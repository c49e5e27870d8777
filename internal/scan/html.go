package scan

import (
	_ "embed"
	"html/template"
	"io"
)

// reportTemplate is the self-contained HTML report: inline CSS and SVG, no
// script, no external resource (its own CSP forbids loading any).
//
//go:embed report.html.tmpl
var reportTemplate string

// reportHTML is reportTemplate parsed once.
var reportHTML = template.Must(template.New("report").Parse(reportTemplate))

// chartBar is one bar of the severity chart.
type chartBar struct {
	Label, Colour string
	Count         int
	X, Y, W, H    int
	TextX, CountY int
}

// severityChart lays out the inline SVG bar chart of findings by severity.
type severityChart struct {
	Width, Height, LabelY int
	Bars                  []chartBar
}

func newSeverityChart(s Summary) severityChart {
	const w, h, barW, gap, top, bottom = 320, 180, 56, 20, 24, 28
	data := []struct {
		label, colour string
		n             int
	}{{"high", "#c0392b", s.High}, {"medium", "#d68910", s.Medium}, {"low", "#2e86c1", s.Low}, {"info", "#7f8c8d", s.Info}}
	most := 1
	for _, d := range data {
		most = max(most, d.n)
	}
	c := severityChart{Width: w, Height: h, LabelY: h - 8}
	plot := h - top - bottom
	for i, d := range data {
		bh := d.n * plot / most
		if d.n > 0 {
			bh = max(bh, 3)
		}
		x := gap + i*(barW+gap)
		c.Bars = append(c.Bars, chartBar{Label: d.label, Colour: d.colour, Count: d.n,
			X: x, Y: top + plot - bh, W: barW, H: bh, TextX: x + barW/2, CountY: top + plot - bh - 6})
	}
	return c
}

// WriteHTML writes the report as one self-contained HTML page: a severity
// chart (inline SVG) and every finding with its evidence and fix.
func (r *Report) WriteHTML(w io.Writer) error {
	return reportHTML.Execute(w, struct {
		R     *Report
		Chart severityChart
	}{r, newSeverityChart(r.Summary)})
}
