package schemagen

import (
	"errors"
	"github.com/dlclark/regexp2"
	"math/rand/v2"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// gen builds component S from yaml in a document of the given version and generates a value.
func gen(version, yamlSchema string, opts Options) (any, error) {
	sp := mustSchema(version, "S: "+yamlSchema+"\n", "S")
	return GenerateProxy(sp, opts)
}

func static(version, yamlSchema string) any {
	v, err := gen(version, yamlSchema, Options{Mode: Static})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return v
}

var _ = Describe("Static mode (openapi-sampler compatible)", func() {
	DescribeTable("produces the sampler's defaults",
		func(version, schema string, want any) {
			if want == nil {
				Expect(static(version, schema)).To(BeNil())
				return
			}
			Expect(static(version, schema)).To(Equal(want))
		},
		Entry("string", "3.0.3", "{type: string}", "string"),
		Entry("email", "3.1.0", "{type: string, format: email}", "user@example.com"),
		Entry("date-time", "3.1.0", "{type: string, format: date-time}", "2019-08-24T14:15:22Z"),
		Entry("date", "3.0.3", "{type: string, format: date}", "2019-08-24"),
		Entry("uuid (sampler hash of 'id')", "3.0.3", "{type: string, format: uuid}", "497f6eca-6276-4993-bfeb-53cbbbba6f08"),
		Entry("uri", "3.1.0", "{type: string, format: uri}", "http://example.com"),
		Entry("ipv4", "3.1.0", "{type: string, format: ipv4}", "192.168.0.1"),
		Entry("ipv6", "3.1.0", "{type: string, format: ipv6}", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
		Entry("hostname", "3.1.0", "{type: string, format: hostname}", "example.com"),
		Entry("password padded to minLength", "3.1.0", "{type: string, format: password, minLength: 12}", "pa$$word_qwe"),
		Entry("minLength repeats the sample", "3.1.0", "{type: string, minLength: 10}", "stringstri"),
		Entry("maxLength truncates", "3.0.3", "{type: string, maxLength: 3}", "str"),
		Entry("integer", "3.0.3", "{type: integer}", int64(0)),
		Entry("integer minimum", "3.0.3", "{type: integer, minimum: 5}", int64(5)),
		Entry("3.0 boolean exclusiveMinimum", "3.0.3", "{type: integer, minimum: 5, exclusiveMinimum: true}", int64(6)),
		Entry("3.1 numeric exclusiveMinimum", "3.1.0", "{type: integer, exclusiveMinimum: 5}", int64(6)),
		Entry("negative maximum", "3.1.0", "{type: integer, maximum: -4}", int64(-4)),
		Entry("number", "3.1.0", "{type: number}", 0.0),
		Entry("float format", "3.0.3", "{type: number, format: float}", 0.1),
		Entry("boolean", "3.1.0", "{type: boolean}", true),
		Entry("array of one item", "3.1.0", "{type: array, items: {type: integer}}", []any{int64(0)}),
		Entry("array of minItems items", "3.0.3", "{type: array, minItems: 2, items: {type: boolean}}", []any{true, true}),
		Entry("example wins", "3.0.3", "{type: string, example: hello}", "hello"),
		Entry("3.1 examples[0]", "3.1.0", "{type: string, examples: [first, second]}", "first"),
		Entry("default", "3.1.0", "{type: integer, default: 42}", int64(42)),
		Entry("const", "3.1.0", "{const: fixed}", "fixed"),
		Entry("first enum", "3.0.3", "{type: string, enum: [b, a]}", "b"),
		Entry("invalid example is skipped", "3.0.3", "{type: string, format: date, example: yesterday}", "2019-08-24"),
		Entry("nullable never null", "3.0.3", "{type: string, nullable: true}", "string"),
		Entry("3.1 type array prefers the first non-null", "3.1.0", "{type: ['null', integer]}", int64(0)),
		Entry("only null", "3.1.0", "{type: 'null'}", nil),
		Entry("object with all properties and additionalProperties samples", "3.1.0",
			"{type: object, properties: {a: {type: string}, b: {type: integer}}, additionalProperties: {type: boolean}}",
			map[string]any{"a": "string", "b": int64(0), "property1": true, "property2": true}),
	)

	It("falls back to a valid value when the default violates constraints", func() {
		v := static("3.1.0", `{type: string, pattern: '^[A-Z]{2}-\d{4}$'}`)
		Expect(v).To(MatchRegexp(`^[A-Z]{2}-\d{4}$`))
		Expect(static("3.1.0", `{type: string, pattern: '^[A-Z]{2}-\d{4}$'}`)).To(Equal(v), "static fallback must be deterministic")
		Expect(static("3.1.0", "{type: integer, minimum: 3, multipleOf: 5}")).To(Equal(int64(5)))
		email := static("3.1.0", "{type: string, format: email, maxLength: 10}").(string)
		Expect(len(email)).To(BeNumerically("<=", 10))
		Expect(formatOK("email", email)).To(BeTrue())
	})

	It("stops at circular references like the sampler", func() {
		v := static("3.1.0", "{type: object, required: [v], properties: {v: {type: integer}, next: {$ref: '#/components/schemas/S'}}}")
		Expect(v).To(Equal(map[string]any{"v": int64(0), "next": map[string]any{"v": int64(0)}}))
	})
})

var _ = Describe("Direction", func() {
	const schema = "{type: object, required: [id, password], properties: {id: {type: string, readOnly: true}, password: {type: string, writeOnly: true}, name: {type: string}}}"
	It("omits writeOnly properties in responses, even required ones", func() {
		v, err := gen("3.0.3", schema, Options{Mode: Static, Direction: Response})
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(HaveKey("id"))
		Expect(v).NotTo(HaveKey("password"))
	})
	It("omits readOnly properties in requests", func() {
		v, err := gen("3.1.0", schema, Options{Mode: Static, Direction: Request})
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(HaveKey("password"))
		Expect(v).NotTo(HaveKey("id"))
	})
})

var _ = Describe("Dynamic mode", func() {
	o := newOracle()
	DescribeTable("generates valid values for each keyword family",
		func(version, schema string, check func(any) bool) {
			sp := mustSchema(version, "S: "+schema+"\n", "S")
			fv := float32(3.1)
			if strings.HasPrefix(version, "3.0") {
				fv = 3.0
			}
			distinct := map[string]bool{}
			for seed := uint64(0); seed < 60; seed++ {
				v, err := GenerateProxy(sp, Options{Mode: Dynamic, Rand: seeded(seed)})
				Expect(err).NotTo(HaveOccurred())
				Expect(o.validate(sp.Schema(), v, fv, Response)).To(Succeed())
				if check != nil {
					Expect(check(v)).To(BeTrue(), "value %#v", v)
				}
				distinct[canonical(v)] = true
			}
			Expect(len(distinct)).To(BeNumerically(">", 1), "dynamic values should vary")
		},
		Entry("integer bounds 3.0", "3.0.3", "{type: integer, minimum: 1, maximum: 5, exclusiveMaximum: true}",
			func(v any) bool { i := v.(int64); return i >= 1 && i < 5 }),
		Entry("integer multipleOf 3.1", "3.1.0", "{type: integer, multipleOf: 3, exclusiveMinimum: 0, maximum: 30}",
			func(v any) bool { i := v.(int64); return i%3 == 0 && i > 0 && i <= 30 }),
		Entry("decimal multipleOf", "3.1.0", "{type: number, multipleOf: 0.05, minimum: 1, maximum: 2}",
			func(v any) bool { return isMultiple(v, 0.05) }),
		Entry("int32 format", "3.0.3", "{type: integer, format: int32, minimum: 2147483000}",
			func(v any) bool { return v.(int64) <= 2147483647 }),
		Entry("lengths", "3.0.3", "{type: string, minLength: 3, maxLength: 5}",
			func(v any) bool { n := len([]rune(v.(string))); return n >= 3 && n <= 5 }),
		Entry("pattern with lengths", "3.1.0", `{type: string, pattern: '[a-z]+\d*', minLength: 6, maxLength: 7}`,
			func(v any) bool { n := len(v.(string)); return n >= 6 && n <= 7 }),
		Entry("formats", "3.1.0", "{type: string, format: date-time}", nil),
		Entry("base64", "3.0.3", "{type: string, format: byte, maxLength: 12}", nil),
		Entry("enum", "3.0.3", "{type: string, enum: [a, b, c]}", nil),
		Entry("3.1 type array with null", "3.1.0", "{type: [integer, 'null'], minimum: 3}", nil),
		Entry("arrays unique", "3.1.0", "{type: array, uniqueItems: true, minItems: 2, maxItems: 4, items: {type: integer, minimum: 0, maximum: 9}}",
			func(v any) bool { return len(v.([]any)) >= 2 }),
		Entry("prefixItems", "3.1.0", "{type: array, prefixItems: [{const: x}, {type: boolean}], minItems: 2}",
			func(v any) bool { return v.([]any)[0] == "x" }),
		Entry("additionalProperties false", "3.0.3", "{type: object, properties: {a: {type: string}}, required: [a], additionalProperties: false}",
			func(v any) bool { return len(v.(map[string]any)) == 1 }),
		Entry("patternProperties", "3.1.0", "{type: object, patternProperties: {'^n\\d$': {type: integer}}, additionalProperties: false, minProperties: 1}",
			func(v any) bool { return len(v.(map[string]any)) >= 1 }),
		Entry("allOf merge", "3.0.3", "{allOf: [{type: object, required: [a], properties: {a: {type: integer, minimum: 2}}}, {properties: {a: {maximum: 4}}, required: [b], type: object}]}",
			func(v any) bool {
				m := v.(map[string]any)
				a := m["a"].(int64)
				return a >= 2 && a <= 4 && m["b"] != nil || a >= 2 && a <= 4
			}),
		Entry("oneOf without discriminator", "3.1.0", "{oneOf: [{type: object, properties: {a: {type: string}}}, {type: object, properties: {b: {type: integer}}}]}", nil),
		Entry("not", "3.1.0", "{not: {type: [string, object, array]}}", nil),
		Entry("anyOf", "3.0.3", "{anyOf: [{type: string, maxLength: 2}, {type: boolean}]}", nil),
	)

	It("honours the discriminator mapping", func() {
		docSchemas := `
A: {type: object, required: [kind, a], properties: {kind: {type: string}, a: {type: integer}}}
B: {type: object, required: [kind, b], properties: {kind: {type: string}, b: {type: string}}}
U:
  oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}]
  discriminator: {propertyName: kind, mapping: {alpha: '#/components/schemas/A'}}
`
		sp := mustSchema("3.0.3", docSchemas, "U")
		seen := map[any]bool{}
		for seed := uint64(0); seed < 40; seed++ {
			v, err := GenerateProxy(sp, Options{Mode: Dynamic, Rand: seeded(seed)})
			Expect(err).NotTo(HaveOccurred())
			m := v.(map[string]any)
			if _, ok := m["a"]; ok {
				Expect(m["kind"]).To(Equal("alpha"))
			} else {
				Expect(m["kind"]).To(Equal("B"))
			}
			seen[m["kind"]] = true
		}
		Expect(seen).To(HaveLen(2))
	})

	It("is deterministic for a seed and varies between seeds", func() {
		sp := mustSchema("3.1.0", propertySchemas31, "Formats")
		a, err := GenerateProxy(sp, Options{Mode: Dynamic, Rand: seeded(99)})
		Expect(err).NotTo(HaveOccurred())
		b, err := GenerateProxy(sp, Options{Mode: Dynamic, Rand: seeded(99)})
		Expect(err).NotTo(HaveOccurred())
		Expect(a).To(Equal(b))
		c, err := GenerateProxy(sp, Options{Mode: Dynamic, Rand: seeded(100)})
		Expect(err).NotTo(HaveOccurred())
		Expect(c).NotTo(Equal(a))
	})

	It("terminates on recursion and respects MaxDepth", func() {
		sp := mustSchema("3.1.0", propertySchemas31, "Tree")
		for seed := uint64(0); seed < 30; seed++ {
			v, err := GenerateProxy(sp, Options{Mode: Dynamic, Rand: seeded(seed), MaxDepth: 2})
			Expect(err).NotTo(HaveOccurred())
			Expect(depthOf(v)).To(BeNumerically("<=", 2*2+1))
		}
	})
})

// depthOf returns the nesting depth of a JSON value.
func depthOf(v any) int {
	d := 0
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			d = max(d, depthOf(c))
		}
		return d + 1
	case []any:
		for _, c := range x {
			d = max(d, depthOf(c))
		}
		return d + 1
	}
	return 0
}

var _ = Describe("Errors", func() {
	DescribeTable("unsatisfiable schemas return a SchemaError naming keyword and path",
		func(version, schema, keyword, pathPart string) {
			for _, mode := range []Mode{Static, Dynamic} {
				_, err := gen(version, schema, Options{Mode: mode, Rand: rand.New(rand.NewPCG(1, 2))})
				Expect(err).To(HaveOccurred())
				Expect(errors.Is(err, ErrUnsatisfiable)).To(BeTrue())
				var se *SchemaError
				Expect(errors.As(err, &se)).To(BeTrue())
				Expect(se.Keyword).To(ContainSubstring(keyword))
				Expect(se.Path).To(ContainSubstring(pathPart))
			}
		},
		Entry("minimum > maximum", "3.1.0", "{type: object, required: [n], properties: {n: {type: integer, minimum: 5, maximum: 2}}}", "minimum", "/properties/n"),
		Entry("empty exclusive range", "3.1.0", "{type: number, exclusiveMinimum: 1, exclusiveMaximum: 1}", "minimum", "#"),
		Entry("no integer multiple", "3.0.3", "{type: integer, minimum: 1, maximum: 4, multipleOf: 5}", "minimum", "#"),
		Entry("enum without a valid member", "3.0.3", "{type: string, enum: [ab, cd], minLength: 3}", "enum", "#"),
		Entry("pattern impossible with length", "3.1.0", `{type: string, pattern: '^\d{4}$', maxLength: 3}`, "pattern", "#"),
		Entry("pattern that never matches", "3.1.0", `{type: string, pattern: '^a$b'}`, "pattern", "#"),
		Entry("RE2-incompatible pattern", "3.1.0", `{type: string, pattern: '^(?=a)a$'}`, "pattern", "#"),
		Entry("minLength > maxLength", "3.0.3", "{type: string, minLength: 5, maxLength: 2}", "minLength", "#"),
		Entry("required but forbidden", "3.0.3", "{type: object, required: [x], properties: {a: {type: string}}, additionalProperties: false}", "required", "#"),
		Entry("conflicting allOf types", "3.1.0", "{allOf: [{type: string}, {type: integer}]}", "type", "#"),
		Entry("endless required recursion", "3.1.0", "{type: object, required: [next], properties: {next: {$ref: '#/components/schemas/S'}}}", "required", "#"),
		Entry("minItems > maxItems", "3.1.0", "{type: array, minItems: 3, maxItems: 1}", "minItems", "#"),
		Entry("uniqueItems impossible", "3.1.0", "{type: array, uniqueItems: true, minItems: 3, items: {type: boolean}}", "uniqueItems", "#"),
	)

	It("rejects Dynamic mode without Rand and bad options", func() {
		_, err := gen("3.1.0", "{type: string}", Options{Mode: Dynamic})
		Expect(errors.Is(err, ErrInvalidOptions)).To(BeTrue())
		_, err = gen("3.1.0", "{type: string}", Options{MaxDepth: -1})
		Expect(errors.Is(err, ErrInvalidOptions)).To(BeTrue())
		_, err = Generate(nil, Options{})
		Expect(errors.Is(err, ErrUnsatisfiable)).To(BeTrue())
		_, err = GenerateProxy(nil, Options{})
		Expect(err).To(HaveOccurred())
	})

	It("names the missing $ref", func() {
		m, err := loadSchemas("3.1.0", "S: {type: object, properties: {a: {$ref: '#/components/schemas/Missing'}}}\n")
		if err != nil {
			Expect(err.Error()).To(ContainSubstring("Missing"))
			return
		}
		_, err = GenerateProxy(m["S"], Options{})
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("Missing"))
	})
})

var _ = Describe("Pattern generator", func() {
	DescribeTable("generates full matches within length bounds",
		func(pattern string, lo, hi int) {
			pg, err := newPatternGen(pattern)
			Expect(err).NotTo(HaveOccurred())
			re := regexp.MustCompile(pattern)
			r := rand.New(rand.NewPCG(3, 4))
			for i := 0; i < 100; i++ {
				s, err := pg.generate(r, lo, hi)
				Expect(err).NotTo(HaveOccurred())
				Expect(re.MatchString(s)).To(BeTrue(), s)
				n := len([]rune(s))
				Expect(n).To(BeNumerically(">=", lo))
				if hi >= 0 {
					Expect(n).To(BeNumerically("<=", hi))
				}
			}
		},
		Entry("code", `^[A-Z]{2}-\d{4}$`, 0, -1),
		Entry("phone", `^(\+\d{1,3})?\d{6,12}$`, 0, -1),
		Entry("phone with lengths", `^(\+\d{1,3})?\d{6,12}$`, 14, 16),
		Entry("alternation", `^(cat|horse|ox)s?$`, 4, 5),
		Entry("case-insensitive", `(?i)^abc$`, 0, -1),
		Entry("negated class", `^[^a-z]{5}$`, 0, -1),
		Entry("unanchored", `b+`, 3, 3),
		Entry("unicode", `^\p{Greek}{3}$`, 0, -1),
	)
})

// forbidden is an object-only schema no value satisfies: its required property is forbidden by
// additionalProperties: false beside an allOf (shipengine.com's `link`).
const forbidden = "{type: object, additionalProperties: false, allOf: [{type: object, properties: {href: {type: string}}}], required: [href]}"

var _ = Describe("Schemas with an unsatisfiable part", func() {
	DescribeTable("still get a valid value when one exists",
		func(schema string, want any) {
			for _, mode := range []Mode{Static, Dynamic} {
				v, err := gen("3.0.3", schema, Options{Mode: mode, Rand: rand.New(rand.NewPCG(1, 2))})
				Expect(err).NotTo(HaveOccurred(), mode.String())
				if want == nil {
					Expect(v).To(BeNil(), mode.String())
					continue
				}
				Expect(v).To(Equal(want), mode.String())
			}
		},
		Entry("an array that may be empty", "{type: array, items: "+forbidden+"}", []any{}),
		Entry("a nullable object", "{type: object, nullable: true, additionalProperties: false, required: [href]}", nil),
		Entry("an optional property", "{type: object, required: [n], properties: {n: {type: integer, minimum: 3, maximum: 3}, link: "+forbidden+"}}",
			map[string]any{"n": int64(3)}),
	)

	DescribeTable("prove the contradiction (ErrContradiction) only when no value exists",
		func(schema string, proven bool) {
			_, err := gen("3.0.3", schema, Options{Mode: Static})
			Expect(errors.Is(err, ErrUnsatisfiable)).To(BeTrue())
			Expect(errors.Is(err, ErrContradiction)).To(Equal(proven))
		},
		Entry("the object itself", forbidden, true),
		Entry("through required properties", "{type: object, required: [links], properties: {links: {type: object, required: [first], properties: {first: "+forbidden+"}}}}", true),
		Entry("an array that needs an item", "{type: array, minItems: 1, items: "+forbidden+"}", true),
		Entry("a schema without a type (a string would do)", "{additionalProperties: false, required: [href]}", false),
		Entry("allOf a non-nullable object: null fails that member too", "{type: object, nullable: true, allOf: ["+forbidden+"]}", true),
		Entry("a generator limit, not a contradiction", "{type: array, minItems: 20000}", false),
	)

	It("generates another declared type when the first has no value (3.1 type lists)", func() {
		v, err := gen("3.1.0", "{type: [object, string], additionalProperties: false, required: [x], minLength: 2}", Options{Mode: Static})
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(BeAssignableToTypeOf(""))
	})
})

var _ = Describe("A discriminator whose property no schema declares", func() {
	// Azure's servicefabric PropertyInfo: discriminator Kind, properties Name and Value only. OpenAPI validators
	// require the discriminator property, so it is generated, naming the schema.
	DescribeTable("is generated with the schema's discriminator value",
		func(components string, want map[string]any) {
			sp := mustSchema("3.0.3", components, "Holder")
			for _, mode := range []Mode{Static, Dynamic} {
				v, err := GenerateProxy(sp, Options{Mode: mode, Rand: seeded(3)})
				Expect(err).NotTo(HaveOccurred())
				info := v.(map[string]any)["info"].(map[string]any)
				for k, w := range want {
					Expect(info).To(HaveKeyWithValue(k, w), mode.String())
				}
			}
		},
		Entry("the component name", `
Holder: {type: object, required: [info], properties: {info: {$ref: '#/components/schemas/PropertyInfo'}}}
PropertyInfo: {discriminator: {propertyName: Kind}, required: [Name], properties: {Name: {type: string}}}
`, map[string]any{"Kind": "PropertyInfo"}),
		Entry("its mapping key", `
Holder: {type: object, required: [info], properties: {info: {$ref: '#/components/schemas/PropertyInfo'}}}
PropertyInfo: {discriminator: {propertyName: Kind, mapping: {info: '#/components/schemas/PropertyInfo'}}, properties: {Name: {type: string}}}
`, map[string]any{"Kind": "info"}),
		Entry("the subschema that inherits it through allOf", `
Holder: {type: object, required: [info], properties: {info: {$ref: '#/components/schemas/Cat'}}}
Pet: {discriminator: {propertyName: petType}, properties: {name: {type: string}}}
Cat: {allOf: [{$ref: '#/components/schemas/Pet'}, {properties: {lives: {type: integer}}}]}
`, map[string]any{"petType": "Cat"}),
	)

	It("is not added where additionalProperties: false forbids it", func() {
		sp := mustSchema("3.0.3", `
Holder: {type: object, required: [info], properties: {info: {$ref: '#/components/schemas/Closed'}}}
Closed: {discriminator: {propertyName: Kind}, additionalProperties: false, properties: {Name: {type: string}}}
`, "Holder")
		v, err := GenerateProxy(sp, Options{Mode: Static})
		Expect(err).NotTo(HaveOccurred())
		Expect(v.(map[string]any)["info"]).NotTo(HaveKey("Kind"))
	})
})

var _ = Describe("Pattern generator on repeat counts RE2 refuses", func() {
	DescribeTable("generates matches of the original (ECMA-262) pattern",
		func(pattern string) {
			pg, err := newPatternGen(pattern)
			Expect(err).NotTo(HaveOccurred())
			re := regexp2.MustCompile(pattern, regexp2.ECMAScript)
			r := rand.New(rand.NewPCG(5, 6))
			for i := 0; i < 20; i++ {
				s, err := pg.generate(r, 0, -1)
				Expect(err).NotTo(HaveOccurred())
				ok, err := re.MatchString(s)
				Expect(err).NotTo(HaveOccurred())
				Expect(ok).To(BeTrue(), s)
			}
		},
		// AWS Resilience Hub's appArn.
		Entry("an upper bound over 1000", `^arn:(aws|aws-cn):[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[0-9]{12}:[A-Za-z0-9/][A-Za-z0-9:_/+.-]{0,1023}$`),
		Entry("a bound inside a class is left alone", `^[{0,1023}]{2,2000}$`),
		Entry("an escaped brace is left alone", `^a\{0,5000\}b{1,1500}$`),
		// AWS IoT TwinMaker's entityName: ECMA-262 \u escapes.
		Entry("\\u escapes", `[^\u0000-\u001F\u007F]+`),
		Entry("\\u escapes outside a class", `^\u0041\u0062+$`),
	)

	It("still refuses a lower bound over 1000, naming the pattern", func() {
		_, err := newPatternGen(`^a{1001,}$`)
		Expect(err).To(MatchError(ContainSubstring(`a{1001,}`)))
	})
})
