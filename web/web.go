// Package web holds rampart's embedded HTML templates and static assets: the
// sign-in, consent and error pages of the authorization server. The pages
// carry no script and no inline style, so they work without JavaScript and
// under a Content-Security-Policy of default-src 'none'.
package web

import "embed"

// FS holds templates/*.html (html/template sources: layout.html defines
// "layout", and each page defines "title" and "content") and static/*
// (served under /oauth2/static/).
//
//go:embed templates/*.html static/*
var FS embed.FS
