package validator

import (
	"regexp"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// regexMatchTimeout bounds one ECMAScript-regex match (backtracking engines
// can be slow on hostile input).
const regexMatchTimeout = 100 * time.Millisecond

// ecmaRegexp adapts regexp2 (ECMAScript syntax: lookahead, backreferences)
// to the JSON Schema compiler.
type ecmaRegexp struct{ re *regexp2.Regexp }

func (e ecmaRegexp) MatchString(s string) bool {
	ok, err := e.re.MatchString(s)
	return ok && err == nil
}

func (e ecmaRegexp) String() string { return e.re.String() }

// compileRegex is the regex engine given to libopenapi-validator. JSON
// Schema patterns are ECMA-262 regular expressions; Go's RE2 engine handles
// most of them fast, and the rest (lookaround, backreferences: common in
// real specs such as AWS's) fall back to regexp2's ECMAScript mode instead
// of failing to compile the whole schema.
func compileRegex(pattern string) (jsonschema.Regexp, error) {
	if re, err := regexp.Compile(pattern); err == nil {
		return re, nil
	}
	re, err := regexp2.Compile(pattern, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = regexMatchTimeout
	return ecmaRegexp{re: re}, nil
}
