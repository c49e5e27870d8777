package depaudit

import (
	"html/template"
	"io"
	"strings"
)

// htmlReport is the page template: one self-contained file, styles inline,
// no scripts and no external resources, so it can be archived as a CI
// artifact and opened anywhere. html/template escapes every value taken
// from lock files and advisories.
const htmlReport = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rampart audit deps: {{.Root}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:80rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa}code{font-size:.92em}
.sev{font-weight:600;border-radius:3px;padding:0 .4rem;color:#fff}
.critical{background:#8b0000}.high{background:#cf222e}.medium{background:#bf8700}.low{background:#57606a}.unknown{background:#6e40c9}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}.meta{color:#57606a}
</style>
</head>
<body>
<h1>rampart audit deps</h1>
<p class="meta">Directory <code>{{.Root}}</code> · {{.Generated.Format "2006-01-02 15:04:05 UTC"}}<br>
Advisories: {{.Source}}<br>
{{len .Files}} file(s) read, {{len .Packages}} pinned package(s)</p>
{{if .Findings}}<p class="bad">{{len .Findings}} vulnerable package version(s)</p>{{else}}<p class="ok">No known vulnerabilities</p>{{end}}
{{if .Incomplete}}<p class="bad">The audit is incomplete: see Problems.</p>{{end}}
{{if .Findings}}
<h2>Vulnerable</h2>
<table>
<tr><th>Package</th><th>Installed</th><th>Fixed in</th><th>Severity</th><th>Advisory</th><th>Summary</th><th>Where</th></tr>
{{range .Findings}}<tr>
<td>{{.Ecosystem}} <code>{{.Name}}</code></td><td><code>{{.Version}}</code></td><td>{{fixed .}}</td>
<td><span class="sev {{.Severity.Level}}">{{sev .Severity}}</span>{{if .Severity.Vector}}<br><code class="meta">{{.Severity.Vector}}</code>{{end}}</td>
<td>{{if .URL}}<a href="{{.URL}}">{{.ID}}</a>{{else}}{{.ID}}{{end}}{{if .Aliases}}<br><span class="meta">{{join .Aliases}}</span>{{end}}</td>
<td>{{.Summary}}{{if .Reachability}}<br><span class="meta">reachability: {{.Reachability}}</span>{{end}}</td>
<td><code>{{loc .Package}}</code></td>
</tr>{{end}}
</table>
{{end}}
{{if .Outdated}}
<h2>Outdated</h2>
<table>
<tr><th>Package</th><th>Installed</th><th>Newest</th><th>Where</th></tr>
{{range .Outdated}}<tr><td>{{.Ecosystem}} <code>{{.Name}}</code></td><td><code>{{.Version}}</code></td><td><code>{{.Latest}}</code></td><td><code>{{loc .Package}}</code></td></tr>{{end}}
</table>
{{end}}
{{if .NotAsked}}<h2>Not checked for newer versions</h2><ul>{{range .NotAsked}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Problems}}<h2>Problems</h2><ul>{{range .Problems}}<li>{{if .Fatal}}<span class="bad">error</span>{{else}}warning{{end}}: {{.String}}</li>{{end}}</ul>{{end}}
</body>
</html>
`

// writeHTML renders the report as one self-contained HTML page.
func writeHTML(w io.Writer, rep *Report) error {
	t, err := template.New("report").Funcs(template.FuncMap{
		"fixed": fixedText,
		"sev":   severityText,
		"loc":   location,
		"join":  func(s []string) string { return strings.Join(s, ", ") },
	}).Parse(htmlReport)
	if err != nil {
		return err
	}
	return t.Execute(w, rep)
}
