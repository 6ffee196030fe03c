package schemagen

import (
	"testing"
)

const benchSchema = `
Customer:
  type: object
  required: [id, name, email, createdAt, status]
  properties:
    id: {type: string, format: uuid}
    name: {type: string, minLength: 2, maxLength: 40}
    email: {type: string, format: email}
    phone: {type: string, pattern: '^(\+\d{1,3})?\d{6,12}$'}
    code: {type: string, pattern: '^[A-Z]{2}-\d{4}$'}
    createdAt: {type: string, format: date-time}
    birthday: {type: string, format: date}
    status: {type: string, enum: [active, suspended, closed]}
    score: {type: number, minimum: 0, maximum: 100, multipleOf: 0.5}
    visits: {type: integer, format: int32, minimum: 0}
    vip: {type: boolean}
    website: {type: string, format: uri}
    ip: {type: string, format: ipv4}
    tags: {type: array, items: {type: string, maxLength: 10}, maxItems: 5, uniqueItems: true}
    address:
      type: object
      required: [street, city]
      properties:
        street: {type: string}
        city: {type: string}
        zip: {type: string, pattern: '^\d{5}$'}
`

func benchGenerate(b *testing.B, opts Options) {
	sp := mustSchema("3.1.0", benchSchema, "Customer")
	if _, err := GenerateProxy(sp, opts); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := GenerateProxy(sp, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerateStatic measures Static mode on a 15-property object schema.
func BenchmarkGenerateStatic(b *testing.B) { benchGenerate(b, Options{Mode: Static}) }

// BenchmarkGenerateDynamic measures Dynamic mode on a 15-property object schema.
func BenchmarkGenerateDynamic(b *testing.B) {
	benchGenerate(b, Options{Mode: Dynamic, Rand: seeded(1)})
}
