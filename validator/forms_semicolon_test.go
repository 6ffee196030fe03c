package validator_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mockd/mockd/validator"
)

func TestFormBodyWithLiteralSemicolon(t *testing.T) {
	spec, err := validator.Parse([]byte(`openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /path:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {reserved: {type: string}}}
      responses: {'200': {description: ok}}
`))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/path", strings.NewReader("reserved=:/?#[]@!$&'()*+,;"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	op, err := spec.Router().Find(req)
	if err != nil {
		t.Fatal(err)
	}
	if findings := spec.ValidateRequest(req, op); len(findings) != 0 {
		t.Fatalf("a literal ';' in a form body was refused: %+v", findings)
	}
}
