package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// authzCheck needs two identities: --auth (the first) and --auth2 (a
// second, lower-privileged one). It tests object-level access (can identity
// 2 read or change identity 1's objects), function-level access (can
// identity 2 reach admin operations) and, with --active, mass assignment.
type authzCheck struct{}

func (authzCheck) Name() string { return "authz" }

func ruleBOLA() Rule {
	return newRule("authz-bola", "Another identity's object readable or writable (BOLA)", SeverityHigh,
		API1BOLA, 639,
		"Check on every request that the caller owns (or is granted) the object the id names, in the data layer query itself (WHERE owner_id = caller), not only that the caller is authenticated.")
}

func ruleFunctionLevel() Rule {
	return newRule("authz-function-level", "Admin operation reachable by a regular identity", SeverityHigh,
		API5FunctionAuthz, 285,
		"Require the admin role or scope on every admin operation, at one place that denies by default (a route policy in the gateway).")
}

func ruleMassAssignment() Rule {
	return newRule("authz-mass-assignment", "Privileged field writable (mass assignment)", SeverityHigh,
		API3PropertyAuthz, 915,
		"Bind request bodies to an explicit allow-list of writable fields; never copy role, is_admin or owner fields from client input.")
}

func (authzCheck) Rules() []Rule {
	return []Rule{ruleBOLA(), ruleFunctionLevel(), ruleMassAssignment()}
}

func (c authzCheck) Run(ctx context.Context, s *session) ([]Finding, error) {
	if s.opts.Auth == "" || s.opts.Auth2 == "" {
		return nil, nil
	}
	var out []Finding
	fs, err := c.objectLevel(ctx, s)
	out = append(out, fs...)
	if err != nil {
		return out, err
	}
	fs, err = c.functionLevel(ctx, s)
	out = append(out, fs...)
	if err != nil || !s.opts.Active {
		return out, err
	}
	fs, err = c.massAssignment(ctx, s)
	return append(out, fs...), err
}

// collectionOf returns the path an item path belongs to: "/items" for
// "/items/{id}"; "" if the path does not end in a parameter.
func collectionOf(path string) (string, string) {
	i := strings.LastIndex(path, "/")
	if i < 0 || !strings.HasPrefix(path[i+1:], "{") || !strings.HasSuffix(path, "}") {
		return "", ""
	}
	return path[:i], strings.Trim(path[i+1:], "{}")
}

// objectLevel gathers identity 1's object ids (from its list responses,
// and with --active from creating one) and asks for each as identity 2.
func (c authzCheck) objectLevel(ctx context.Context, s *session) ([]Finding, error) {
	ids := map[string][]string{} // collection path -> ids of identity 1
	for _, op := range s.ops {
		if ex := s.authed(op); ex != nil && ex.ok() && op.Method == http.MethodGet && !op.hasPathParams() {
			ids[op.Path] = append(ids[op.Path], extractIDs(ex.body)...)
		}
	}
	if s.opts.Active {
		for _, op := range s.ops {
			if op.Method != http.MethodPost || op.hasPathParams() || op.Body == nil {
				continue
			}
			ex, err := s.c.do(ctx, c.Name(), probe{method: op.Method, path: op.target(nil), body: op.Body, header: authHeader(s.opts.Auth)})
			if err != nil {
				return nil, err
			}
			if ex.ok() {
				ids[op.Path] = append(extractIDs(ex.body), ids[op.Path]...)
			}
		}
	}
	var out []Finding
	done := map[string]bool{}
	for _, op := range s.ops {
		coll, param := collectionOf(op.Path)
		if coll == "" || done[op.key()] || (op.Method != http.MethodGet && !(s.opts.Active && (op.Method == http.MethodPut || op.Method == http.MethodPatch))) {
			continue
		}
		cands := ids[coll]
		if len(cands) == 0 {
			for _, p := range op.Params {
				if p.Name == param && p.Example != "" {
					cands = []string{p.Example}
				}
			}
		}
		if len(cands) > 3 {
			cands = cands[:3]
		}
		for _, id := range cands {
			path := op.target(map[string]string{param: id})
			own, err := s.c.do(ctx, c.Name(), probe{method: http.MethodGet, path: path, header: authHeader(s.opts.Auth)})
			if err != nil {
				return out, err
			}
			if !own.ok() {
				continue
			}
			p := probe{method: op.Method, path: path, header: authHeader(s.opts.Auth2)}
			if op.Method != http.MethodGet {
				p.body = own.body // write back the object unchanged
			}
			other, err := s.c.do(ctx, c.Name(), p)
			if err != nil {
				return out, err
			}
			if !other.ok() {
				continue
			}
			if op.Method == http.MethodGet && !bytes.Equal(bytes.TrimSpace(own.body), bytes.TrimSpace(other.body)) {
				continue // a per-identity view, not identity 1's object
			}
			verb := "read"
			if op.Method != http.MethodGet {
				verb = "overwrite"
			}
			done[op.key()] = true
			out = append(out, newFinding(ruleBOLA(), other.location(), fmt.Sprintf("Identity 2 (--auth2) could %s object %q that identity 1 (--auth) %s.", verb, id, when(len(ids[coll]) > 0, "listed or created", "reads")), other.evidence()))
			break
		}
	}
	return out, nil
}

// functionLevel sends identity 2 to every admin operation that refuses
// anonymous requests.
func (c authzCheck) functionLevel(ctx context.Context, s *session) ([]Finding, error) {
	var out []Finding
	for _, op := range s.ops {
		if !op.Admin || !s.protected(op) || (!op.safe() && !s.opts.Active) {
			continue // a public-by-design admin page is no flaw
		}
		ex, err := s.c.do(ctx, c.Name(), probe{method: op.Method, path: op.target(nil), body: op.Body, header: authHeader(s.opts.Auth2)})
		if err != nil {
			return out, err
		}
		if ex.ok() {
			out = append(out, newFinding(ruleFunctionLevel(), ex.location(), fmt.Sprintf("The admin operation %s answered %d to identity 2 (--auth2, the regular user).", op.key(), ex.status), ex.evidence()))
		}
	}
	return out, nil
}

// privileged are fields a client must never set on itself.
func privileged() map[string]any {
	return map[string]any{"role": "admin", "is_admin": true, "isAdmin": true}
}

// massAssignment adds privileged fields to identity 2's writes and looks for
// them in the answer and in a re-read of the object.
func (c authzCheck) massAssignment(ctx context.Context, s *session) ([]Finding, error) {
	for _, op := range s.ops {
		if op.safe() || op.Method == http.MethodDelete || op.Body == nil {
			continue
		}
		var body map[string]any
		if json.Unmarshal(op.Body, &body) != nil {
			continue
		}
		for k, v := range privileged() {
			body[k] = v
		}
		b, _ := json.Marshal(body)
		ex, err := s.c.do(ctx, c.Name(), probe{method: op.Method, path: op.target(nil), body: b, header: authHeader(s.opts.Auth2)})
		if err != nil {
			return nil, err
		}
		if !ex.ok() {
			continue
		}
		evidence := ex
		stuck := acceptedPrivilege(ex.body)
		if stuck == "" {
			if id := extractIDs(ex.body); len(id) > 0 {
				for _, get := range s.ops {
					if coll, param := collectionOf(get.Path); get.Method == http.MethodGet && coll == strings.TrimSuffix(op.Path, "/") && param != "" {
						re, err := s.c.do(ctx, c.Name(), probe{method: http.MethodGet, path: get.target(map[string]string{param: id[0]}), header: authHeader(s.opts.Auth2)})
						if err != nil {
							return nil, err
						}
						if stuck = acceptedPrivilege(re.body); stuck != "" {
							evidence = re
						}
						break
					}
				}
			}
		}
		if stuck != "" {
			return []Finding{newFinding(ruleMassAssignment(), ex.location(), fmt.Sprintf("%s accepted the privileged field %s from identity 2 and stored it.", op.key(), stuck), evidence.evidence())}, nil
		}
	}
	return nil, nil
}

// acceptedPrivilege names the privileged field a JSON body shows as set
// (the first in name order when several are).
func acceptedPrivilege(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	priv := privileged()
	names := make([]string, 0, len(priv))
	for k := range priv {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if memberIs(m, k, priv[k]) {
			return fmt.Sprintf("%s=%v", k, priv[k])
		}
	}
	return ""
}
