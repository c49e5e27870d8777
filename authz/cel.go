package authz

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"

	"github.com/rampart-sec/rampart/authn"
)

// The limits on an expression; the package documentation states them.
const (
	maxCodePoints     = 4096
	maxRecursion      = 32
	maxNodes          = 2000
	maxComprehensions = 2 // nesting depth of all, exists, map, filter, ...
	maxRegexProgram   = 1000

	// maxCost bounds both the estimated worst-case cost at Compile and the
	// actual cost of one evaluation. A unit is roughly one CEL operation
	// (a comparison, a field read, 10 bytes of a string scanned), so the
	// budget is a few milliseconds of CPU at worst (a loop over many
	// small items), far less for string work.
	maxCost = 20_000
)

// The CEL names of the two variables and their types.
const (
	identityVar      = "identity"
	requestVar       = "request"
	identityTypeName = "rampart.Identity"
	requestTypeName  = "rampart.Request"
)

// identityField names the authn.Identity fields CEL sees. The list is
// explicit so that a field added to Identity later is hidden until someone
// decides it belongs in policies.
func identityField(f reflect.StructField) string {
	switch f.Name {
	case "Subject":
		return "subject"
	case "Username":
		return "username"
	case "Roles":
		return "roles"
	case "Scopes":
		return "scopes"
	case "Method":
		return "method"
	case "ClientID":
		return "client_id"
	case "Claims":
		return "claims"
	}
	return "-" // hidden
}

// celCompiler is the one environment every expression is compiled in. It is
// built on first use because building it costs milliseconds, and is never
// changed after.
var celCompiler = sync.OnceValues(newCompiler)

type compiler struct {
	env *cel.Env
	// mu serializes compilation: cel-go v0.33.2's type checker writes its
	// symbol catalog lazily while concurrent checks read it (a data race
	// seen under -race). Compiling is config-load work; evaluation, which
	// is concurrent, is unaffected.
	mu sync.Mutex
}

func newCompiler() (*compiler, error) {
	env, err := cel.NewEnv(
		cel.Types(
			cel.NativeTypeFor[authn.Identity](types.NativeTypeAlias(identityTypeName), types.ParseStructField(identityField)),
			cel.NativeTypeFor[celRequest](types.NativeTypeAlias(requestTypeName), types.ParseStructTags(true)),
		),
		cel.Variable(identityVar, cel.ObjectType(identityTypeName)),
		cel.Variable(requestVar, cel.ObjectType(requestTypeName)),
		cel.OptionalTypes(),
		ext.Bindings(),
		ext.Strings(),
		ext.Sets(),
		ext.Network(),
		cel.ASTValidators(
			cel.ValidateDurationLiterals(),
			cel.ValidateTimestampLiterals(),
			cel.ValidateHomogeneousAggregateLiterals(),
			regexLiterals{},
			cel.ValidateComprehensionNestingLimit(maxComprehensions),
		),
		cel.RegexProgramSizeLimit(maxRegexProgram),
		cel.ParserExpressionSizeLimit(maxCodePoints),
		cel.ParserRecursionLimit(maxRecursion),
		cel.ExpressionNodeLimit(maxNodes),
	)
	if err != nil {
		return nil, err
	}
	return &compiler{env: env}, nil
}

// celRule is a compiled, checked CEL expression.
type celRule struct {
	prg         cel.Program
	readHeaders bool      // the expression may read request.headers
	readQuery   bool      // the expression may read request.query
	readIP      bool      // the expression may read request.remote_ip
	acts        sync.Pool // of *activation, reused across requests
}

// compileCEL parses, type-checks and plans expr, and refuses it when its
// result is not a bool, it constructs objects, or its estimated cost is over
// budget.
func compileCEL(expr string) (*celRule, error) {
	c, err := celCompiler()
	if err != nil {
		return nil, fmt.Errorf("authz: building the cel environment: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	env := c.env
	src := common.NewStringSource(expr, "cel")
	checked, iss := env.CompileSource(src)
	if iss.Err() != nil {
		return nil, issuesError(iss, src)
	}
	if t := checked.OutputType(); !t.IsExactType(cel.BoolType) {
		hint := ""
		if t.IsExactType(cel.DynType) {
			hint = " (its type is only known at run time: compare it, e.g. `... == true`)"
		}
		return nil, fmt.Errorf("authz: cel: the expression has type %s, want bool%s", cel.FormatCELType(t), hint)
	}
	native := checked.NativeRep()
	if id, name, ok := findStruct(native); ok {
		iss := cel.NewIssuesWithSourceInfo(common.NewErrors(src), native.SourceInfo())
		iss.ReportErrorAtID(id, "constructing %s is not allowed in a policy", name)
		return nil, issuesError(iss, src)
	}
	est, err := env.EstimateCost(checked, sizeHints{})
	if err != nil {
		return nil, fmt.Errorf("authz: cel: estimating the cost: %w", err)
	}
	if est.Max > maxCost {
		worst := "is unbounded"
		if est.Max != math.MaxUint64 {
			worst = fmt.Sprintf("%d exceeds the limit of %d", est.Max, maxCost)
		}
		return nil, fmt.Errorf("authz: cel: the expression is too expensive: its worst-case cost %s (avoid nested loops and regular expressions over inputs)", worst)
	}
	prg, err := env.Program(checked,
		cel.EvalOptions(cel.OptOptimize),
		cel.CostLimit(maxCost),
	)
	if err != nil {
		return nil, fmt.Errorf("authz: cel: %w", err)
	}
	rule := &celRule{prg: prg}
	rule.readHeaders, rule.readQuery, rule.readIP = requestFieldsRead(native)
	return rule, nil
}

// issuesError renders CEL issues as one error, each with its line:column and
// a caret under the offending spot of the quoted line.
func issuesError(iss *cel.Issues, src common.Source) error {
	errs := iss.Errors()
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		if e.Location.Line() < 1 { // a limit of the whole expression
			msgs = append(msgs, "cel: "+e.Message)
			continue
		}
		msgs = append(msgs, strings.TrimPrefix(e.ToDisplayString(src), "ERROR: "))
	}
	return errors.New("authz: " + strings.Join(msgs, "\nauthz: "))
}

// regexLiterals requires the pattern of matches to be a string literal, and
// a valid one: a pattern taken from the request would let the client choose
// what matches, and a literal is compiled once instead of per request.
type regexLiterals struct{}

func (regexLiterals) Name() string { return "rampart.authz.regex_literals" }

func (regexLiterals) Validate(_ *cel.Env, _ cel.ValidatorConfig, a *celast.AST, iss *cel.Issues) {
	celast.PreOrderVisit(a.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() != celast.CallKind || e.AsCall().FunctionName() != overloads.Matches {
			return
		}
		call := e.AsCall()
		args := call.Args()
		if !call.IsMemberFunction() {
			if len(args) != 2 {
				return
			}
			args = args[1:] // matches(string, pattern)
		}
		if len(args) != 1 {
			return
		}
		pat := args[0]
		var lit types.String
		ok := pat.Kind() == celast.LiteralKind
		if ok {
			lit, ok = pat.AsLiteral().(types.String)
		}
		if !ok {
			iss.ReportErrorAtID(pat.ID(), "the pattern of matches must be a string literal")
			return
		}
		if _, err := regexp.Compile(string(lit)); err != nil {
			iss.ReportErrorAtID(pat.ID(), "invalid regular expression: %v", err)
		}
	}))
}

// findStruct returns the first object construction (rampart.Request{...})
// in the expression.
func findStruct(a *celast.AST) (id int64, name string, found bool) {
	celast.PreOrderVisit(a.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if !found && e.Kind() == celast.StructKind {
			id, name, found = e.ID(), e.AsStruct().TypeName(), true
		}
	}))
	return id, name, found
}

// requestFieldsRead reports whether the expression may read request.headers,
// request.query and request.remote_ip, so that Decide builds those only
// when needed. It errs towards building them: any selection of a field of
// that name counts, whatever it selects from, and any use of request other
// than a direct field selection (passing it whole to a function or a bind)
// counts as reading all three. A map left unbuilt reads as empty, so a miss here
// would make `!('x-debug' in request.headers)` hold when it should not.
func requestFieldsRead(a *celast.AST) (headers, query, remoteIP bool) {
	uses, selections := 0, 0
	celast.PostOrderVisit(a.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.IdentKind:
			if e.AsIdent() == requestVar {
				uses++
			}
		case celast.SelectKind:
			sel := e.AsSelect()
			switch sel.FieldName() {
			case "headers":
				headers = true
			case "query":
				query = true
			case "remote_ip":
				remoteIP = true
			}
			if op := sel.Operand(); op.Kind() == celast.IdentKind && op.AsIdent() == requestVar {
				selections++
			}
		}
	}))
	if uses > selections {
		return true, true, true
	}
	return headers, query, remoteIP
}
