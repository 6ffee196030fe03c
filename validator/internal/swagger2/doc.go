// Package swagger2 owns the Swagger 2.0 → OpenAPI 3.0.3 document conversion
// that mockd runs before handing a 2.0 spec to libopenapi and
// libopenapi-validator, which accept only 3.x. It is a self-contained, pure
// transform over yaml.v3 nodes (no I/O, no libopenapi types) with its own
// table tests and fuzzing, kept internal so that only validator calls it.
package swagger2
