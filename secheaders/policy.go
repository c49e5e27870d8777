package secheaders

import "fmt"

// Omit is the value of a Policy header field that removes the header from
// responses instead of setting it. It is "-", which no header value of the
// policy can be, so configuration files can write it too. Combined with
// [Policy.KeepUpstream] it lets an upstream's value through and adds nothing
// when the upstream sends none.
const Omit = "-"

// The default header values. An empty Policy field stands for the value here.
const (
	// DefaultContentSecurityPolicy forbids every kind of content, framing,
	// <base> and form submission: an API response is data, never a page. It
	// names base-uri and form-action because those do not fall back to
	// default-src (and scanners such as ZAP flag their absence).
	DefaultContentSecurityPolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	// DefaultFrameOptions forbids framing in browsers that predate CSP
	// frame-ancestors.
	DefaultFrameOptions = "DENY"
	// DefaultReferrerPolicy sends no Referer from pages the API serves.
	DefaultReferrerPolicy = "no-referrer"
	// DefaultContentTypeOptions stops browsers from sniffing a JSON body as
	// HTML or script.
	DefaultContentTypeOptions = "nosniff"
	// DefaultHSTS pins HTTPS for two years on the host and its subdomains.
	DefaultHSTS = "max-age=63072000; includeSubDomains"
	// DefaultCrossOriginOpenerPolicy isolates the browsing context.
	DefaultCrossOriginOpenerPolicy = "same-origin"
	// DefaultCrossOriginResourcePolicy stops other sites from embedding the
	// response with no-cors requests (<img>, <script>). CORS requests are not
	// subject to it: cross-origin fetch is governed by [CORS] alone.
	DefaultCrossOriginResourcePolicy = "same-origin"
	// DefaultPermissionsPolicy turns off the powerful browser features a page
	// served by the API could otherwise request.
	DefaultPermissionsPolicy = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
	// DefaultCacheControlOnCredentials keeps responses to credentialed
	// requests out of every cache.
	DefaultCacheControlOnCredentials = "no-store"
)

// Policy is the security-header policy of a route. Every field's zero value
// is the secure default, so Policy{} and [Default]() behave the same; a
// field only ever needs setting to relax or tighten that default.
//
// For each header field: "" means the Default… constant of that header; any
// other value is sent as it is written, after [Policy.Validate] has checked
// its syntax; [Omit] removes the header. The policy wins over the handler:
// a value the downstream handler or upstream set is replaced (or removed, for
// Omit) unless the header is listed in KeepUpstream.
type Policy struct {
	// ContentSecurityPolicy is the Content-Security-Policy header.
	// "" means DefaultContentSecurityPolicy.
	ContentSecurityPolicy string
	// FrameOptions is the X-Frame-Options header: DENY or SAMEORIGIN
	// (ALLOW-FROM is obsolete: use CSP frame-ancestors).
	// "" means DefaultFrameOptions.
	FrameOptions string
	// ReferrerPolicy is the Referrer-Policy header, one or more policy
	// tokens separated by commas. "" means DefaultReferrerPolicy.
	ReferrerPolicy string
	// ContentTypeOptions is the X-Content-Type-Options header, whose only
	// value is nosniff. "" means DefaultContentTypeOptions.
	ContentTypeOptions string
	// HSTS is the Strict-Transport-Security header. It is sent only on
	// requests that arrived over HTTPS (r.TLS set, or the [IsHTTPS] option
	// says so) and removed from the others, where browsers must ignore it
	// anyway. max-age is required; preload requires includeSubDomains and a
	// max-age of at least a year, as the preload list does. "" means
	// DefaultHSTS.
	HSTS string
	// CrossOriginOpenerPolicy is the Cross-Origin-Opener-Policy header.
	// "" means DefaultCrossOriginOpenerPolicy.
	CrossOriginOpenerPolicy string
	// CrossOriginResourcePolicy is the Cross-Origin-Resource-Policy header:
	// same-origin, same-site or cross-origin. "" means
	// DefaultCrossOriginResourcePolicy.
	CrossOriginResourcePolicy string
	// PermissionsPolicy is the Permissions-Policy header, a structured
	// dictionary such as "camera=(), geolocation=(self)". "" means
	// DefaultPermissionsPolicy.
	PermissionsPolicy string
	// CacheControlOnCredentials is the Cache-Control header set on the
	// response when the request carried credentials (an Authorization,
	// Proxy-Authorization or Cookie header, a header named with the
	// [CredentialHeaders] option, or a TLS client certificate) or when the
	// response sets a cookie. It replaces the handler's Cache-Control on
	// those responses only; other responses keep theirs, so anonymous GETs
	// stay cacheable. It must contain no-store or private and neither public
	// nor s-maxage, which would let shared caches keep one user's response
	// for another. "" means DefaultCacheControlOnCredentials. Omit means
	// rampart never touches Cache-Control (it does not remove the
	// handler's).
	CacheControlOnCredentials string
	// StripHeaders are response headers removed in addition to the banners
	// of [BannerHeaders], which are always removed unless listed in
	// KeepUpstream. Headers the policy sets cannot be listed: use Omit. nil
	// means none beyond the banners.
	StripHeaders []string
	// KeepUpstream lists headers, among those the policy sets or the
	// banners it strips, whose value is kept when the downstream handler or
	// upstream set one. A policy header so listed gets the policy's value
	// only when the upstream sent none (none at all if the field is Omit);
	// a banner so listed is no longer removed. nil means the policy wins for
	// every header.
	KeepUpstream []string
}

// The canonical names of the headers a Policy sets.
const (
	headerCSP            = "Content-Security-Policy"
	headerFrameOptions   = "X-Frame-Options"
	headerReferrerPolicy = "Referrer-Policy"
	headerContentType    = "X-Content-Type-Options"
	headerHSTS           = "Strict-Transport-Security"
	headerCOOP           = "Cross-Origin-Opener-Policy"
	headerCORP           = "Cross-Origin-Resource-Policy"
	headerPermissions    = "Permissions-Policy"
	headerCacheControl   = "Cache-Control"
)

// Default returns the default policy with every field written out, for
// display or as a base to change. It behaves exactly as Policy{}.
func Default() Policy {
	return Policy{
		ContentSecurityPolicy:     DefaultContentSecurityPolicy,
		FrameOptions:              DefaultFrameOptions,
		ReferrerPolicy:            DefaultReferrerPolicy,
		ContentTypeOptions:        DefaultContentTypeOptions,
		HSTS:                      DefaultHSTS,
		CrossOriginOpenerPolicy:   DefaultCrossOriginOpenerPolicy,
		CrossOriginResourcePolicy: DefaultCrossOriginResourcePolicy,
		PermissionsPolicy:         DefaultPermissionsPolicy,
		CacheControlOnCredentials: DefaultCacheControlOnCredentials,
	}
}

// BannerHeaders returns the response headers that name server software or
// versions and that [Middleware] removes by default: Server, X-Powered-By,
// X-AspNet-Version, X-AspNetMvc-Version, X-Runtime and X-Version, in
// canonical form. The slice is new on each call.
func BannerHeaders() []string {
	return []string{
		"Server",
		"X-Powered-By",
		"X-Aspnet-Version",
		"X-Aspnetmvc-Version",
		"X-Runtime",
		"X-Version",
	}
}

// field describes one header field of a Policy: its Go name, header, value
// and default.
type field struct {
	name, header, value, def string
}

// fields lists the header fields of p in a fixed order.
func (p *Policy) fields() []field {
	return []field{
		{"ContentSecurityPolicy", headerCSP, p.ContentSecurityPolicy, DefaultContentSecurityPolicy},
		{"FrameOptions", headerFrameOptions, p.FrameOptions, DefaultFrameOptions},
		{"ReferrerPolicy", headerReferrerPolicy, p.ReferrerPolicy, DefaultReferrerPolicy},
		{"ContentTypeOptions", headerContentType, p.ContentTypeOptions, DefaultContentTypeOptions},
		{"HSTS", headerHSTS, p.HSTS, DefaultHSTS},
		{"CrossOriginOpenerPolicy", headerCOOP, p.CrossOriginOpenerPolicy, DefaultCrossOriginOpenerPolicy},
		{"CrossOriginResourcePolicy", headerCORP, p.CrossOriginResourcePolicy, DefaultCrossOriginResourcePolicy},
		{"PermissionsPolicy", headerPermissions, p.PermissionsPolicy, DefaultPermissionsPolicy},
		{"CacheControlOnCredentials", headerCacheControl, p.CacheControlOnCredentials, DefaultCacheControlOnCredentials},
	}
}

// A FieldError reports one invalid field of a [Policy] or [CORS]. Validate
// returns every FieldError it finds, joined with [errors.Join].
type FieldError struct {
	// Field is the struct and field, with an index for list elements:
	// "Policy.HSTS", "CORS.Origins[1]".
	Field string
	// Value is the offending value (policies hold no secrets).
	Value string
	// Reason says what is wrong, in lower case.
	Reason string
	// Err is a sentinel such as [ErrWildcardWithCredentials] when one
	// applies, else nil.
	Err error
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("secheaders: %s %q: %s", e.Field, e.Value, e.Reason)
}

// Unwrap returns e.Err.
func (e *FieldError) Unwrap() error { return e.Err }
