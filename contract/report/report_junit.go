package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/validator"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties *junitProps     `xml:"properties,omitempty"`
	Cases      []junitTestCase `xml:"testcase"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	Skipped   *junitMessage  `xml:"skipped,omitempty"`
	Failures  []junitMessage `xml:"failure"`
	SystemOut string         `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// writeJUnit writes one testcase per operation (skipped when no traffic
// exercised it), one failure per error finding group, warnings and infos in
// system-out; undocumented traffic and the coverage gate get a testcase each.
func writeJUnit(w io.Writer, r *contract.Result) error {
	byOp := map[string][]*contract.Group{}
	var other []*contract.Group
	for _, g := range r.Groups {
		if g.Finding.OperationID == "" {
			other = append(other, g)
			continue
		}
		byOp[g.Finding.OperationID] = append(byOp[g.Finding.OperationID], g)
	}
	suite := junitSuite{Name: "contract " + r.Spec, Time: "0"}
	suite.Properties = &junitProps{Props: []junitProp{
		{Name: "spec", Value: r.Spec},
		{Name: "interactions", Value: strconv.Itoa(r.Interactions)},
		{Name: "coverage.percent", Value: strconv.FormatFloat(r.Coverage.Percent, 'f', 1, 64)},
	}}
	addCase := func(tc junitTestCase, groups []*contract.Group) {
		var out []string
		for _, g := range groups {
			if g.Finding.Severity == validator.SeverityError {
				tc.Failures = append(tc.Failures, junitMessage{Type: g.Finding.Check, Message: findingText(&g.Finding), Body: junitBody(g)})
				continue
			}
			out = append(out, strings.ToUpper(string(g.Finding.Severity))+" "+g.Finding.Check+": "+findingText(&g.Finding)+fmt.Sprintf(" (×%d)", g.Count))
		}
		if len(out) > 0 {
			tc.SystemOut = strings.Join(out, "\n")
		}
		suite.Tests++
		if len(tc.Failures) > 0 {
			suite.Failures++
		} else if tc.Skipped != nil {
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	for _, oc := range r.Coverage.Operations {
		tc := junitTestCase{Name: oc.Method + " " + oc.Path + " (" + oc.OperationID + ")", Classname: "contract." + oc.OperationID, Time: "0"}
		if oc.Count == 0 && len(byOp[oc.OperationID]) == 0 {
			tc.Skipped = &junitMessage{Message: "no recorded traffic exercised this operation"}
		}
		addCase(tc, byOp[oc.OperationID])
		delete(byOp, oc.OperationID)
	}
	for id, groups := range byOp { // findings of operations outside the matrix (none expected)
		addCase(junitTestCase{Name: id, Classname: "contract." + id, Time: "0"}, groups)
	}
	if len(other) > 0 {
		addCase(junitTestCase{Name: "undocumented endpoints", Classname: "contract.undocumented", Time: "0"}, other)
	}
	if g := r.Gate; g != nil {
		tc := junitTestCase{Name: "coverage gate", Classname: "contract.coverage", Time: "0"}
		for _, f := range g.Failures {
			if strings.Contains(f, "error finding") {
				continue
			}
			tc.Failures = append(tc.Failures, junitMessage{Type: "coverage", Message: f, Body: strings.Join(g.MissingStatuses, "\n")})
		}
		addCase(tc, nil)
	}
	doc := junitSuites{Name: "contract", Tests: suite.Tests, Failures: suite.Failures, Time: "0", Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitBody(g *contract.Group) string {
	f := &g.Finding
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", f.Check, findingOperation(f))
	if wh := findingWhere(f); wh != "" {
		fmt.Fprintf(&b, "at: %s\n", wh)
	}
	if loc := specLocation(f); loc != "" {
		fmt.Fprintf(&b, "spec: %s #%s\n", loc, f.SpecPointer)
	}
	fmt.Fprintf(&b, "count: %d\n", g.Count)
	for _, s := range g.Occurrences {
		fmt.Fprintf(&b, "seen: %s\n", sourceText(s))
	}
	if f.Hint != "" {
		fmt.Fprintf(&b, "hint: %s\n", f.Hint)
	}
	if f.Reproduce != "" {
		fmt.Fprintf(&b, "reproduce: %s\n", f.Reproduce)
	}
	return b.String()
}
