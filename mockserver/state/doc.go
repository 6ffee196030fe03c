// Package state is the memory of `mockd serve --stateful`: it infers
// resources from a spec (a collection path such as /books and an item path
// with one id parameter such as /books/{bookId}, matched by path shape and
// by schema; `x-mockd-resource` overrides the guess), keeps their items in a
// Store with one lock per resource, seeds them deterministically from the
// collection's examples, answers create, read, replace, merge (RFC 7386) and
// JSON Patch (RFC 6902) updates, delete and filtered, paginated lists
// (offset/limit, page/per_page, cursor in a body field or an RFC 8288 Link
// header), remembers Idempotency-Key responses (bounded in bytes, with a
// TTL) and loads and saves JSON snapshots.
//
// It is its own package because none of the existing ones is its home: the
// validator owns the spec, schemagen values, mockserver the HTTP pipeline.
// It imports validator and schemagen and never mockserver; mockserver's
// stateSource (mockserver/stateful.go) routes requests to it after the
// request has been validated, and writes what it returns.
//
// Layout: infer.go (resources from the spec), resource.go (a resource's
// schema facts: id, readOnly and writeOnly properties, filters), store.go
// (the items, CRUD), page.go (pagination styles and cursors), patch.go
// (merge and JSON patch), ids.go (generated ids and readOnly values),
// idempotency.go (Idempotency-Key replay), snapshot.go (--state files).
package state
