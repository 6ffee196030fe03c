package swagger2

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"gopkg.in/yaml.v3"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// pointerValue returns the value at a JSON pointer in decoded JSON.
func pointerValue(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = unescapeToken(tok)
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// yamlToJSON turns a YAML snippet into JSON text.
func yamlToJSON(src string) string {
	GinkgoHelper()
	var v any
	Expect(yaml.Unmarshal([]byte(src), &v)).To(Succeed())
	b, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

// snippet is one table case: a Swagger 2.0 document, the place in the
// converted document to look at, what must be there, and the warnings.
type snippet struct {
	in       string
	ptr      string
	want     string   // YAML; "" means the pointer must be absent
	warnings []string // substrings, one per expected warning, in order
	noLoad   bool     // the result refers to other files, so libopenapi cannot build it alone
}

const head = "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\n"

var _ = DescribeTable("Convert",
	func(s snippet) {
		out, warnings, err := Convert([]byte(s.in), "in.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Valid(out)).To(BeTrue(), string(out))
		var doc any
		Expect(json.Unmarshal(out, &doc)).To(Succeed())
		Expect(doc).To(HaveKeyWithValue("openapi", "3.0.3"))
		got, ok := pointerValue(doc, s.ptr)
		if s.want == "" {
			Expect(ok).To(BeFalse(), "%s should be absent in\n%s", s.ptr, out)
		} else {
			Expect(ok).To(BeTrue(), "%s is missing in\n%s", s.ptr, out)
			gotJSON, err := json.Marshal(got)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(gotJSON)).To(MatchJSON(yamlToJSON(s.want)), "at %s in\n%s", s.ptr, out)
		}
		Expect(warnings).To(HaveLen(len(s.warnings)), "warnings: %q", warnings)
		for i, w := range s.warnings {
			Expect(warnings[i]).To(ContainSubstring(w))
		}
		if s.noLoad {
			return
		}
		d, err := libopenapi.NewDocument(out)
		Expect(err).NotTo(HaveOccurred())
		_, err = d.BuildV3Model()
		Expect(err).NotTo(HaveOccurred(), string(out))
		_, errs := validator.NewValidator(d)
		Expect(errs).To(BeEmpty(), string(out))
	},
	Entry("host, basePath and schemes give one server per scheme", snippet{
		in:   head + "host: api.example.com:8443\nbasePath: /v1\nschemes: [https, http]\npaths: {}\n",
		ptr:  "/servers",
		want: "[{url: 'https://api.example.com:8443/v1'}, {url: 'http://api.example.com:8443/v1'}]",
	}),
	Entry("no host gives the relative basePath", snippet{
		in: head + "basePath: /v1\nschemes: [https]\npaths: {}\n", ptr: "/servers", want: "[{url: /v1}]",
	}),
	Entry("neither host nor basePath gives /", snippet{
		in: head + "paths: {}\n", ptr: "/servers", want: "[{url: /}]",
	}),
	Entry("a host without schemes gives a scheme-relative URL", snippet{
		in: head + "host: h.example\nbasePath: /\npaths: {}\n", ptr: "/servers", want: "[{url: //h.example}]",
	}),
	Entry("a missing info is added with a warning", snippet{
		in: "swagger: '2.0'\npaths: {}\n", ptr: "/info", want: "{title: '', version: ''}",
		warnings: []string{"in.yaml:1:1: /info: missing info"},
	}),
	Entry("a body parameter becomes a requestBody per consumed media type", snippet{
		in: head + `consumes: [application/json, application/xml]
paths:
  /pets:
    post:
      parameters:
        - {in: body, name: pet, description: the pet, required: true, schema: {$ref: '#/definitions/Pet'}}
      responses: {201: {description: created}}
definitions:
  Pet: {type: object}
`,
		ptr: "/paths/~1pets/post/requestBody",
		want: `
description: the pet
content:
  application/json: {schema: {$ref: '#/components/schemas/Pet'}}
  application/xml: {schema: {$ref: '#/components/schemas/Pet'}}
required: true`,
	}),
	Entry("operation consumes override the document's and x-examples become examples", snippet{
		in: head + `consumes: [application/xml]
paths:
  /pets:
    post:
      consumes: [text/plain]
      parameters:
        - in: body
          name: b
          schema: {type: string}
          x-examples: {text/plain: hello}
      responses: {200: {description: ok}}
`,
		ptr:  "/paths/~1pets/post/requestBody",
		want: "content: {text/plain: {schema: {type: string}, example: hello}}",
	}),
	Entry("formData parameters become an urlencoded object body", snippet{
		in: head + `paths:
  /login:
    post:
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - {in: formData, name: user, type: string, required: true, description: who}
        - {in: formData, name: tries, type: integer, minimum: 1, x-example: 3}
        - {in: formData, name: tags, type: array, items: {type: string}, collectionFormat: multi}
      responses: {200: {description: ok}}
`,
		ptr: "/paths/~1login/post/requestBody",
		want: `
content:
  application/x-www-form-urlencoded:
    schema:
      type: object
      properties:
        user: {description: who, type: string}
        tries: {type: integer, minimum: 1, example: 3}
        tags: {type: array, items: {type: string}}
      required: [user]
    encoding:
      tags: {style: form, explode: true}
required: true`,
	}),
	Entry("a file parameter makes the body multipart with a binary string", snippet{
		in: head + `paths:
  /upload:
    post:
      parameters:
        - {in: formData, name: file, type: file, required: true}
        - {in: formData, name: note, type: string, allowEmptyValue: true}
      responses: {200: {description: ok}}
`,
		ptr: "/paths/~1upload/post/requestBody",
		want: `
content:
  multipart/form-data:
    schema:
      type: object
      properties:
        file: {type: string, format: binary}
        note: {type: string}
      required: [file]
required: true`,
		warnings: []string{"allowEmptyValue on a formData parameter has no OpenAPI 3.0 equivalent"},
	}),
	Entry("a formData string with allowEmptyValue: false needs a character; format byte, the base64 alphabet (as Prism)", snippet{
		in: head + `paths:
  /f:
    post:
      parameters:
        - {in: formData, name: id, type: string, allowEmptyValue: false}
        - {in: formData, name: blob, type: string, format: byte}
      responses: {200: {description: ok}}
`,
		ptr:  "/paths/~1f/post/requestBody/content",
		want: `application/x-www-form-urlencoded: {schema: {type: object, properties: {id: {type: string, minLength: 1}, blob: {type: string, format: byte, pattern: '^[\w\d+\/=]*$'}}}}`,
	}),
	Entry("consumes multipart/form-data picks multipart without files", snippet{
		in: head + `consumes: [multipart/form-data]
paths:
  /f:
    post:
      parameters: [{in: formData, name: a, type: string}]
      responses: {200: {description: ok}}
`,
		ptr:  "/paths/~1f/post/requestBody/content",
		want: "multipart/form-data: {schema: {type: object, properties: {a: {type: string}}}}",
	}),
	Entry("query, path and header parameters get a schema and a style", snippet{
		in: head + `paths:
  /items/{ids}:
    get:
      parameters:
        - {in: path, name: ids, required: true, type: array, items: {type: integer}}
        - {in: query, name: csv, type: array, items: {type: string}, collectionFormat: csv}
        - {in: query, name: ssv, type: array, items: {type: string}, collectionFormat: ssv}
        - {in: query, name: pipes, type: array, items: {type: string}, collectionFormat: pipes}
        - {in: query, name: multi, type: array, items: {type: string, enum: [a, b]}, collectionFormat: multi, maxItems: 3}
        - {in: query, name: q, type: string, pattern: '^x', default: xy, allowEmptyValue: true, x-example: xz}
        - {in: header, name: X-Ids, type: array, items: {type: string}}
      responses: {200: {description: ok}}
`,
		ptr: "/paths/~1items~1{ids}/get/parameters",
		want: `
- {name: ids, in: path, required: true, style: simple, schema: {type: array, items: {type: integer}}}
- {name: csv, in: query, style: form, explode: false, schema: {type: array, items: {type: string}}}
- {name: ssv, in: query, style: spaceDelimited, explode: false, schema: {type: array, items: {type: string}}}
- {name: pipes, in: query, style: pipeDelimited, explode: false, schema: {type: array, items: {type: string}}}
- {name: multi, in: query, style: form, explode: true, schema: {type: array, items: {type: string, enum: [a, b]}, maxItems: 3}}
- {name: q, in: query, allowEmptyValue: true, schema: {type: string, pattern: '^x', default: xy}, example: xz}
- {name: X-Ids, in: header, style: simple, schema: {type: array, items: {type: string}}}`,
	}),
	Entry("tsv has no 3.0 style and warns", snippet{
		in: head + `paths:
  /t:
    get:
      parameters: [{in: query, name: t, type: array, items: {type: string}, collectionFormat: tsv}]
      responses: {200: {description: ok}}
`,
		ptr:      "/paths/~1t/get/parameters/0/style",
		want:     "form",
		warnings: []string{"/paths/~1t/get/parameters/0/collectionFormat: collectionFormat tsv has no OpenAPI 3.0 equivalent"},
	}),
	Entry("path-level parameters stay, path-level body moves into operations unless overridden", snippet{
		in: head + `paths:
  /p/{id}:
    parameters:
      - {in: path, name: id, required: true, type: string}
      - {in: body, name: b, schema: {type: object}}
    put:
      responses: {200: {description: ok}}
    post:
      parameters: [{in: body, name: b, schema: {type: string}}]
      responses: {200: {description: ok}}
    get:
      responses: {200: {description: ok}}
`,
		ptr: "/paths/~1p~1{id}",
		want: `
parameters: [{name: id, in: path, required: true, schema: {type: string}}]
put: {requestBody: {content: {application/json: {schema: {type: object}}}}, responses: {"200": {description: ok}}}
post: {requestBody: {content: {application/json: {schema: {type: string}}}}, responses: {"200": {description: ok}}}
get: {requestBody: {content: {application/json: {schema: {type: object}}}}, responses: {"200": {description: ok}}}`,
	}),
	Entry("an operation body replaces the path body whatever its name", snippet{
		in: head + `paths:
  /p:
    parameters: [{in: body, name: a, schema: {type: object}}]
    post:
      parameters: [{in: body, name: b, schema: {type: integer}}]
      responses: {200: {description: ok}}
`,
		ptr: "/paths/~1p/post/requestBody", want: "{content: {application/json: {schema: {type: integer}}}}",
	}),
	Entry("a non-boolean x-nullable is dropped with a warning", snippet{
		in:  head + "paths: {}\ndefinitions:\n  A: {type: string, x-nullable: sometimes}\n",
		ptr: "/components/schemas/A", want: "{type: string}",
		warnings: []string{"in.yaml:5:33: /definitions/A/x-nullable: x-nullable is a scalar (str), not a boolean"},
	}),
	Entry("responses: schema per produced type, examples, headers, default", snippet{
		in: head + `produces: [application/json]
paths:
  /r:
    get:
      produces: [application/json, text/csv]
      responses:
        200:
          description: ok
          schema: {type: array, items: {$ref: '#/definitions/R'}}
          examples:
            application/json: [{id: 1}]
            application/yaml: "- id: 1"
          headers:
            X-Rate: {type: integer, format: int32, description: per hour}
            X-List: {type: array, items: {type: string}}
        204: {description: none}
        default: {description: error, x-code: e}
definitions:
  R: {type: object, properties: {id: {type: integer}}}
`,
		ptr: "/paths/~1r/get/responses",
		want: `
"200":
  description: ok
  content:
    application/json: {schema: {type: array, items: {$ref: '#/components/schemas/R'}}, example: [{id: 1}]}
    text/csv: {schema: {type: array, items: {$ref: '#/components/schemas/R'}}}
    application/yaml: {schema: {type: array, items: {$ref: '#/components/schemas/R'}}, example: "- id: 1"}
  headers:
    X-Rate: {description: per hour, schema: {type: integer, format: int32}}
    X-List: {schema: {type: array, items: {type: string}}}
"204": {description: none}
default: {description: error, x-code: e}`,
	}),
	Entry("a response with only examples gets content without a schema", snippet{
		in: head + `paths:
  /e:
    get:
      responses: {200: {description: ok, examples: {text/plain: hi}}}
`,
		ptr: "/paths/~1e/get/responses/200", want: "{description: ok, content: {text/plain: {example: hi}}}",
	}),
	Entry("a response without description gets an empty one", snippet{
		in:  head + "paths:\n  /e:\n    get:\n      responses:\n        200:\n          schema: {type: string}\n",
		ptr: "/paths/~1e/get/responses/200", want: "{description: '', content: {application/json: {schema: {type: string}}}}",
		warnings: []string{"in.yaml:8:11: /paths/~1e/get/responses/200: response has no description"},
	}),
	Entry("schemas: x-nullable, discriminator, file, readOnly and refs", snippet{
		in: head + `paths: {}
definitions:
  Animal:
    type: object
    discriminator: kind
    required: [kind]
    properties:
      kind: {type: string, readOnly: true}
      name: {type: string, x-nullable: true, example: {id: 1}}
      photo: {type: file, format: ignored}
      owner: {$ref: '#/definitions/Owner'}
      tags: {type: array, items: {$ref: '#/definitions/Owner'}}
      meta: {type: object, additionalProperties: {$ref: '#/definitions/Owner'}}
  Dog:
    allOf: [{$ref: '#/definitions/Animal'}, {type: object, properties: {bark: {type: boolean}}}]
  Owner: {type: [string, 'null'], x-go-type: Owner}
`,
		ptr: "/components/schemas",
		want: `
Animal:
  type: object
  discriminator: {propertyName: kind}
  required: [kind]
  properties:
    kind: {type: string, readOnly: true}
    name: {type: string, nullable: true, example: {id: 1}}
    photo: {type: string, format: binary}
    owner: {$ref: '#/components/schemas/Owner'}
    tags: {type: array, items: {$ref: '#/components/schemas/Owner'}}
    meta: {type: object, additionalProperties: {$ref: '#/components/schemas/Owner'}}
Dog:
  allOf: [{$ref: '#/components/schemas/Animal'}, {type: object, properties: {bark: {type: boolean}}}]
Owner: {type: string, nullable: true, x-go-type: Owner}`,
	}),
	Entry("data keywords are copied, not rewritten", snippet{
		in:  head + "paths: {}\ndefinitions:\n  A: {type: object, example: {$ref: '#/definitions/A'}, default: {$ref: '#/parameters/p'}, enum: [{$ref: x}]}\n",
		ptr: "/components/schemas/A", want: "{type: object, example: {$ref: '#/definitions/A'}, default: {$ref: '#/parameters/p'}, enum: [{$ref: x}]}",
		// libopenapi v0.38.6 follows $ref keys even inside examples.
		noLoad: true,
	}),
	Entry("top-level parameters split into parameters and requestBodies", snippet{
		in: head + `consumes: [application/json]
parameters:
  limit: {in: query, name: limit, type: integer, maximum: 100}
  body: {in: body, name: body, required: true, schema: {$ref: '#/definitions/P'}}
  up: {in: formData, name: up, type: file}
definitions:
  P: {type: object}
paths:
  /a:
    post:
      parameters: [{$ref: '#/parameters/limit'}, {$ref: '#/parameters/body'}]
      responses: {200: {description: ok}}
    put:
      consumes: [application/xml]
      parameters: [{$ref: '#/parameters/body'}]
      responses: {200: {description: ok}}
    patch:
      parameters: [{$ref: '#/parameters/up'}, {in: formData, name: n, type: string}]
      responses: {200: {description: ok}}
`,
		ptr: "",
		want: `
openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: /}]
components:
  parameters:
    limit: {name: limit, in: query, schema: {type: integer, maximum: 100}}
  requestBodies:
    body: {content: {application/json: {schema: {$ref: '#/components/schemas/P'}}}, required: true}
    up: {content: {multipart/form-data: {schema: {type: object, properties: {up: {type: string, format: binary}}}}}}
  schemas:
    P: {type: object}
paths:
  /a:
    post:
      parameters: [{$ref: '#/components/parameters/limit'}]
      requestBody: {$ref: '#/components/requestBodies/body'}
      responses: {"200": {description: ok}}
    put:
      requestBody: {content: {application/xml: {schema: {$ref: '#/components/schemas/P'}}}, required: true}
      responses: {"200": {description: ok}}
    patch:
      requestBody:
        content:
          multipart/form-data:
            schema: {type: object, properties: {up: {type: string, format: binary}, n: {type: string}}}
      responses: {"200": {description: ok}}`,
	}),
	Entry("top-level responses become components; other produces inline them", snippet{
		in: head + `produces: [application/json]
responses:
  NotFound: {description: missing, schema: {$ref: '#/definitions/E'}}
definitions:
  E: {type: object}
paths:
  /a:
    get:
      responses: {404: {$ref: '#/responses/NotFound'}}
    put:
      produces: [application/problem+json]
      responses: {404: {$ref: '#/responses/NotFound'}}
`,
		ptr: "",
		want: `
openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: /}]
components:
  responses:
    NotFound: {description: missing, content: {application/json: {schema: {$ref: '#/components/schemas/E'}}}}
  schemas:
    E: {type: object}
paths:
  /a:
    get: {responses: {"404": {$ref: '#/components/responses/NotFound'}}}
    put: {responses: {"404": {description: missing, content: {application/problem+json: {schema: {$ref: '#/components/schemas/E'}}}}}}`,
	}),
	Entry("securityDefinitions become securitySchemes", snippet{
		in: head + `paths: {}
security: [{basic: []}]
securityDefinitions:
  basic: {type: basic, description: b}
  key: {type: apiKey, name: X-Key, in: header}
  imp: {type: oauth2, flow: implicit, authorizationUrl: 'https://a/auth', scopes: {r: read}}
  pw: {type: oauth2, flow: password, tokenUrl: 'https://a/token', scopes: {}}
  app: {type: oauth2, flow: application, tokenUrl: 'https://a/token', x-vendor: 1}
  code: {type: oauth2, flow: accessCode, authorizationUrl: 'https://a/auth', tokenUrl: 'https://a/token', scopes: {w: write}}
`,
		ptr: "/components/securitySchemes",
		want: `
basic: {type: http, scheme: basic, description: b}
key: {type: apiKey, name: X-Key, in: header}
imp: {type: oauth2, flows: {implicit: {authorizationUrl: 'https://a/auth', scopes: {r: read}}}}
pw: {type: oauth2, flows: {password: {tokenUrl: 'https://a/token', scopes: {}}}}
app: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://a/token', scopes: {}}}, x-vendor: 1}
code: {type: oauth2, flows: {authorizationCode: {authorizationUrl: 'https://a/auth', tokenUrl: 'https://a/token', scopes: {w: write}}}}`,
	}),
	Entry("external refs keep the file and map the fragment, with a warning", snippet{
		in: head + `paths:
  /x:
    get:
      parameters: [{$ref: 'common.yaml#/parameters/Limit'}]
      responses:
        200: {description: ok, schema: {$ref: 'models.yaml#/definitions/Pet'}}
        400: {description: bad, schema: {$ref: 'error.json'}}
        401: {description: no, schema: {$ref: 'schemas.json#/Error'}}
        404: {$ref: 'common.yaml#/responses/NotFound'}
`,
		ptr: "/paths/~1x/get",
		want: `
parameters: [{$ref: 'common.yaml#/components/parameters/Limit'}]
responses:
  "200": {description: ok, content: {application/json: {schema: {$ref: 'models.yaml#/components/schemas/Pet'}}}}
  "400": {description: bad, content: {application/json: {schema: {$ref: error.json}}}}
  "401": {description: no, content: {application/json: {schema: {$ref: 'schemas.json#/Error'}}}}
  "404": {$ref: 'common.yaml#/components/responses/NotFound'}`,
		warnings: []string{"common.yaml#/parameters/Limit", "models.yaml#/definitions/Pet", "common.yaml#/responses/NotFound"},
		noLoad:   true,
	}),
	Entry("top-level tags, externalDocs, security and extensions are copied; unknown keys dropped", snippet{
		in: head + `x-logo: {url: l.png}
tags: [{name: a}]
externalDocs: {url: 'https://docs'}
security: []
nonsense: 1
paths: {}
`,
		ptr: "",
		want: `
openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: /}]
x-logo: {url: l.png}
tags: [{name: a}]
externalDocs: {url: 'https://docs'}
security: []
paths: {}`,
		warnings: []string{`in.yaml:7:1: /nonsense: "nonsense" is not a Swagger 2.0 field; dropped`},
	}),
	Entry("YAML anchors, aliases and merge keys are expanded", snippet{
		in: head + `x-defs:
  base: &base {type: string, minLength: 1}
paths:
  /a:
    get:
      parameters:
        - {in: query, name: a, <<: *base}
        - {in: query, name: b, <<: *base, minLength: 2}
      responses: {200: {description: ok}}
`,
		ptr: "/paths/~1a/get/parameters",
		want: `
- {name: a, in: query, schema: {type: string, minLength: 1}}
- {name: b, in: query, schema: {minLength: 2, type: string}}`,
	}),
	Entry("YAML-only numbers become JSON numbers; non-finite ones strings", snippet{
		in:  head + "paths: {}\ndefinitions:\n  N: {type: integer, maximum: 0x1F, minimum: 1_000, multipleOf: 0.10, default: .inf, example: 2001-12-14}\n",
		ptr: "/components/schemas/N", want: "{type: integer, maximum: 31, minimum: 1000, multipleOf: 0.10, default: '.inf', example: '2001-12-14'}",
	}),
	Entry("JSON input converts the same way", snippet{
		in:  `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/A"}}}}}},"definitions":{"A":{"type":"object"}}}`,
		ptr: "/paths/~1a/get/responses/200/content/application~1json/schema", want: "{$ref: '#/components/schemas/A'}",
	}),
)
