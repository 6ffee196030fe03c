package schemagen

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// propertySchemas31 and propertySchemas30 are the varied (and nasty) schemas of the property test.
const propertySchemas31 = `
Code: {type: string, pattern: '^[A-Z]{2}-\d{4}$'}
Phone: {type: string, pattern: '^(\+\d{1,3})?\d{6,12}$'}
Unanchored: {type: string, pattern: 'ab+c', minLength: 5, maxLength: 9}
PatternLen: {type: string, pattern: '^[a-f0-9]+$', minLength: 8, maxLength: 8}
Formats:
  type: object
  required: [d, dt, t, du, u, e, ie, h, i4, i6, uri, uref, url, b, bin, pw]
  properties:
    d: {type: string, format: date}
    dt: {type: string, format: date-time}
    t: {type: string, format: time}
    du: {type: string, format: duration}
    u: {type: string, format: uuid}
    e: {type: string, format: email, maxLength: 20}
    ie: {type: string, format: idn-email}
    h: {type: string, format: hostname}
    i4: {type: string, format: ipv4}
    i6: {type: string, format: ipv6}
    uri: {type: string, format: uri}
    uref: {type: string, format: uri-reference}
    url: {type: string, format: url}
    b: {type: string, format: byte, minLength: 8}
    bin: {type: string, format: binary}
    pw: {type: string, format: password, minLength: 12}
Numbers:
  type: object
  required: [a, b, c, d, e, f, g]
  properties:
    a: {type: integer, minimum: 5, exclusiveMaximum: 9}
    b: {type: integer, exclusiveMinimum: -3, maximum: -1}
    c: {type: integer, multipleOf: 7, minimum: 10, maximum: 100}
    d: {type: number, multipleOf: 0.01, minimum: 0.5, maximum: 0.6}
    e: {type: number, exclusiveMinimum: 0, exclusiveMaximum: 0.001}
    f: {type: integer, format: int32}
    g: {type: number, format: double, multipleOf: 2.5}
TypeArray: {type: [string, integer, "null"], minLength: 2, minimum: 3}
Const31: {const: {a: 1, b: [true]}}
EnumMixed: {enum: [1, "two", null, [3]]}
Tuple:
  type: array
  prefixItems: [{type: string, format: date}, {type: integer}]
  items: false
  minItems: 2
Contains:
  type: array
  items: {type: integer, minimum: 0, maximum: 50}
  contains: {type: integer, minimum: 40}
  minContains: 2
UniqueEnum: {type: array, uniqueItems: true, minItems: 3, maxItems: 3, items: {enum: [a, b, c, d]}}
Dict:
  type: object
  additionalProperties: {type: integer, minimum: 1}
  minProperties: 2
  maxProperties: 4
PatternProps:
  type: object
  patternProperties:
    '^x-[a-z]+$': {type: string, maxLength: 4}
  additionalProperties: false
  minProperties: 1
Closed:
  type: object
  required: [a]
  properties: {a: {type: boolean}, b: {type: string}}
  additionalProperties: false
Cat:
  type: object
  required: [petType, meow]
  properties:
    petType: {type: string}
    meow: {type: boolean}
Dog:
  type: object
  required: [petType, bark]
  properties:
    petType: {type: string}
    bark: {type: string}
Pet:
  oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
  discriminator:
    propertyName: petType
    mapping: {kitty: '#/components/schemas/Cat', doggo: '#/components/schemas/Dog'}
LooseA: {type: object, properties: {name: {type: string}, size: {type: integer}}}
LooseB: {type: object, properties: {name: {type: string}, color: {type: string}}}
OverlapOneOf:
  oneOf: [{$ref: '#/components/schemas/LooseA'}, {$ref: '#/components/schemas/LooseB'}]
ScalarOneOf:
  oneOf: [{type: integer}, {type: number}, {type: string, maxLength: 3}]
AllOfRequired:
  allOf:
    - {$ref: '#/components/schemas/LooseA'}
    - {type: object, required: [name, size], properties: {size: {minimum: 10, maximum: 12}}}
    - {required: [color], properties: {color: {enum: [red, green]}}}
AnyOfMerged:
  type: object
  required: [id]
  properties: {id: {type: integer}}
  anyOf:
    - {required: [a], properties: {a: {type: string}}}
    - {required: [b], properties: {b: {type: boolean}}}
NotString: {not: {type: string}}
NotEnum: {type: string, enum: [a, b, c], not: {enum: [a]}}
Tree:
  type: object
  required: [value]
  properties:
    value: {type: integer}
    children: {type: array, items: {$ref: '#/components/schemas/Tree'}}
    parent: {$ref: '#/components/schemas/Tree'}
LinkedList:
  type: object
  required: [next]
  properties:
    v: {type: string}
    next: {oneOf: [{type: 'null'}, {$ref: '#/components/schemas/LinkedList'}]}
Directional:
  type: object
  required: [id, password, name]
  properties:
    id: {type: string, readOnly: true}
    password: {type: string, writeOnly: true, minLength: 8}
    name: {type: string}
Examples31:
  type: object
  properties:
    a: {type: string, examples: [alpha, beta]}
    b: {type: integer, default: 42}
    c: {type: string, example: 'not-a-date', format: date}
PropertyNames:
  type: object
  propertyNames: {pattern: '^[a-z]{3}$'}
  additionalProperties: {type: string}
  minProperties: 2
IfThen:
  type: object
  required: [kind]
  properties: {kind: {enum: [a, b]}, size: {type: integer}}
  if: {properties: {kind: {const: a}}}
  then: {required: [size]}
Nested:
  type: array
  minItems: 1
  items:
    type: array
    minItems: 1
    items: {type: object, required: [k], properties: {k: {type: string, format: uuid}}}
`

const propertySchemas30 = `
Nullable: {type: string, nullable: true, maxLength: 4}
NullableEnum: {type: string, nullable: true, enum: [x, y]}
BoolExclusive: {type: number, minimum: 1, maximum: 2, exclusiveMinimum: true, exclusiveMaximum: true}
IntExclusive: {type: integer, minimum: 1, maximum: 3, exclusiveMinimum: true, exclusiveMaximum: true}
Order:
  type: object
  required: [id, items, status]
  properties:
    id: {type: string, format: uuid, readOnly: true}
    status: {type: string, enum: [placed, approved, delivered]}
    note: {type: string, nullable: true}
    items:
      type: array
      minItems: 1
      maxItems: 5
      items:
        type: object
        required: [sku, qty]
        properties:
          sku: {type: string, pattern: '^SKU-[0-9]{6}$'}
          qty: {type: integer, minimum: 1, maximum: 99}
          price: {type: number, format: float, minimum: 0}
Shape:
  oneOf:
    - {type: object, required: [kind, r], properties: {kind: {type: string, enum: [circle]}, r: {type: number}}}
    - {type: object, required: [kind, w], properties: {kind: {type: string, enum: [square]}, w: {type: number}}}
AllOf30:
  allOf:
    - {type: object, properties: {a: {type: integer, minimum: 0}}, required: [a]}
    - {type: object, properties: {a: {maximum: 5}, b: {type: string, format: date}}}
Example30: {type: object, properties: {n: {type: integer, example: 7}, s: {type: string, example: hello, maxLength: 3}}}
`

type propertyCase struct {
	version string
	fv      float32
	name    string
}

func propertyCases() []propertyCase {
	var out []propertyCase
	add := func(version string, fv float32, src string) {
		m, err := loadSchemas(version, src)
		if err != nil {
			panic(err)
		}
		for name := range m {
			out = append(out, propertyCase{version: version, fv: fv, name: name})
		}
	}
	add("3.1.0", 3.1, propertySchemas31)
	add("3.0.3", 3.0, propertySchemas30)
	return out
}

// TestPropertyValid generates 200 values per schema and mode and validates each with libopenapi-validator.
func TestPropertyValid(t *testing.T) {
	o := newOracle()
	docs := map[string]map[string]*base.SchemaProxy{}
	for _, src := range []struct{ v, s string }{{"3.1.0", propertySchemas31}, {"3.0.3", propertySchemas30}} {
		m, err := loadSchemas(src.v, src.s)
		if err != nil {
			t.Fatal(err)
		}
		docs[src.v] = m
	}
	seeds := 200
	if testing.Short() {
		seeds = 20
	}
	total := 0
	for _, c := range propertyCases() {
		sp := docs[c.version][c.name]
		for _, dir := range []Direction{Response, Request} {
			for seed := 0; seed < seeds; seed++ {
				mode := Dynamic
				if seed == 0 {
					mode = Static
				}
				v, err := GenerateProxy(sp, Options{Mode: mode, Direction: dir, Rand: seeded(uint64(seed))})
				if err != nil {
					t.Errorf("%s %s %s seed %d: %v", c.version, c.name, dir, seed, err)
					break
				}
				total++
				if err := o.validate(sp.Schema(), v, c.fv, dir); err != nil {
					t.Errorf("%s %s %s %s seed %d: invalid: %v", c.version, c.name, mode, dir, seed, err)
				}
				if v == nil && !allowsNull(sp.Schema()) {
					t.Errorf("%s %s seed %d: null for a schema that does not allow null", c.version, c.name, seed)
				}
			}
		}
	}
	t.Logf("%d schemas, %d values validated", len(propertyCases()), total)
	if n := len(propertyCases()); n < 40 {
		t.Fatalf("only %d schemas in the property test", n)
	}
}

// allowsNull is the oracle for null values (the validator skips validation of a nil instance).
func allowsNull(s *base.Schema) bool {
	g := &generator{res: map[string]*regexp.Regexp{}, pats: map[string]*patternGen{}}
	return g.matches(s, nil, 0)
}

var _ = fmt.Sprint
