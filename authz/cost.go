package authz

import "cel.dev/cel-go/common/cost"

// The input sizes the cost estimate assumes. They bound the estimate only:
// evaluation enforces maxCost on whatever the inputs are.
const (
	maxListItems   = 64   // roles, scopes
	maxClaims      = 64   // entries of identity.claims
	maxMapEntries  = 128  // headers, query parameters
	maxShortString = 256  // a role, a scope, a claim or header name, the host
	maxIDString    = 1024 // subject, username, client_id, a claim value
	maxLongString  = 8192 // the path, a header or query value
	maxMethod      = 16
	maxIP          = 64
)

// sizeHints tells the cost estimator how large each input can be, by the
// path from a variable to the value (["request", "headers", "@values"]).
type sizeHints struct{}

var _ cost.Estimator = sizeHints{}

func (sizeHints) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil // the standard model
}

func (sizeHints) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	path := n.Path()
	if len(path) < 2 {
		return nil
	}
	switch path[0] + "." + path[1] {
	case "identity.subject", "identity.username", "identity.client_id":
		return upTo(maxIDString)
	case "identity.method", "request.method":
		return upTo(maxMethod)
	case "identity.roles", "identity.scopes":
		if len(path) == 2 {
			return list(maxListItems, maxShortString)
		}
		return upTo(maxShortString)
	case "identity.claims":
		// A claim is dyn: a string, a list, a map. Whatever lies below
		// the claim's name gets the same bound.
		return mapOrEntry(path, maxClaims, maxShortString, maxIDString)
	case "request.path":
		return upTo(maxLongString)
	case "request.host":
		return upTo(maxShortString)
	case "request.remote_ip":
		return upTo(maxIP)
	case "request.headers":
		return mapOrEntry(path, maxMapEntries, maxShortString, maxLongString)
	case "request.query":
		return mapOrEntry(path, maxMapEntries, maxShortString, maxLongString)
	}
	return nil
}

func upTo(n uint64) *cost.SizeEstimate {
	return &cost.SizeEstimate{Max: n}
}

func list(items, item uint64) *cost.SizeEstimate {
	return &cost.SizeEstimate{Max: items, Elem: upTo(item)}
}

// mapOrEntry sizes a map field (path of two), its keys ("@keys") or anything
// reached through its values.
func mapOrEntry(path []string, entries, key, value uint64) *cost.SizeEstimate {
	switch {
	case len(path) == 2:
		return &cost.SizeEstimate{Max: entries, Key: upTo(key), Elem: upTo(value)}
	case path[2] == "@keys":
		return upTo(key)
	default:
		return upTo(value)
	}
}
