package mockserver

import (
	"sort"
	"strconv"
	"unicode/utf8"
)

// capEntry cuts an entry's client-controlled fields to the per-entry caps
// (MaxEntryPath, MaxEntryQuery, MaxEntryHeaders...), records the sizes
// before cutting (QueryBytes, HeaderBytes) and names the fields cut in
// Truncated.
func capEntry(e *Entry) {
	var cut []string
	var c bool
	if e.Path, c = capString(e.Path, MaxEntryPath); c {
		cut = append(cut, "path")
	}
	if len(e.Query) > 0 {
		e.QueryBytes = len(e.Query)
	}
	if e.Query, c = capString(e.Query, MaxEntryQuery); c {
		cut = append(cut, "query")
	}
	if capHeaders(e) {
		cut = append(cut, "headers")
	}
	if e.Key, c = capString(e.Key, MaxEntryHeaderValue); c {
		cut = append(cut, "key")
	}
	e.Error, _ = capString(e.Error, MaxEntryError)
	e.Reason, _ = capString(e.Reason, MaxEntryError)
	if len(cut) > 0 {
		e.Truncated = append(e.Truncated, cut...)
	}
}

// capHeaders bounds every header name and value and all of them together;
// headers past MaxEntryHeaders are dropped (in name order, so the result
// does not depend on map order). It reports whether anything was cut.
func capHeaders(e *Entry) bool {
	if len(e.Headers) == 0 {
		return false
	}
	total, over := 0, false
	for k, v := range e.Headers {
		total += len(k) + len(v)
		over = over || len(k) > MaxEntryHeaderName || len(v) > MaxEntryHeaderValue
	}
	e.HeaderBytes = total
	if total <= MaxEntryHeaders && !over {
		return false
	}
	names := make([]string, 0, len(e.Headers))
	for k := range e.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make(map[string]string, len(names))
	used, cut := 0, false
	for _, k := range names {
		name, c1 := capString(k, MaxEntryHeaderName)
		value, c2 := capString(e.Headers[k], MaxEntryHeaderValue)
		cut = cut || c1 || c2
		if used+len(name)+len(value) > MaxEntryHeaders {
			cut = true
			continue
		}
		used += len(name) + len(value)
		out[name] = value
	}
	e.Headers = out
	return cut
}

// capString keeps at most max bytes of s (cut on a UTF-8 boundary) followed
// by a marker naming how many bytes were cut. A cut result is a fresh string
// (the concatenation copies), so the original, possibly huge, is not kept
// alive by the journal.
func capString(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…[truncated " + strconv.Itoa(len(s)-n) + " bytes]", true
}
