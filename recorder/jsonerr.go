package recorder

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// jsonTypeError says which field of a HAR entry or NDJSON line has a value
// of the wrong JSON type, in the file's own terms ("request.method: expected
// a string, found a number"), or returns nil when err is no such error. The
// decoder's own message names Go types, which mean nothing to the user.
func jsonTypeError(err error) *fieldError {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return nil
	}
	return &fieldError{field: te.Field, hint: fmt.Sprintf("expected %s, found %s", jsonExpected(te.Type), jsonFound(te.Value)), err: ErrInvalidField}
}

// jsonExpected names the JSON value a Go type decodes from.
func jsonExpected(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	if t == reflect.TypeFor[stringList]() {
		return "a string or a list of strings"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonExpected(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another value"
}

// jsonFound names the JSON value the decoder found ("number", "array"...).
func jsonFound(v string) string {
	switch v {
	case "array":
		return "a list"
	case "object":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "number":
		return "a number"
	}
	return "the " + v // "number 1.5" and the like
}
