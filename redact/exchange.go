package redact

import (
	"net/http"
	"net/url"
	"sort"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
)

// Message is one side of an exchange. Request-only fields (URL, RequestURI,
// Form) are empty on a response.
type Message struct {
	URL        string
	RequestURI string
	Header     http.Header
	Trailer    http.Header
	Form       url.Values
	Body       []byte
}

// Exchange is a request and its response, redacted together.
type Exchange struct {
	Request  Message
	Response Message
}

// Exchange redacts x in place: headers, trailers, URLs, forms and bodies of
// both sides (bodies decoded by their Content-Encoding and stored decoded,
// with Content-Encoding removed and Content-Length fixed; what cannot be
// decoded, or structured data that does not parse while the exchange carries
// secrets, is replaced by a Marker). Then every secret value found anywhere
// in it (MinPropagated bytes or longer) is scrubbed from everywhere else
// (value propagation: a query token echoed in a Link header or a "self"
// URL). It returns the secret values found, for scrubbing other text such
// as findings that quote the exchange.
func (r *Redactor) Exchange(x *Exchange) []string {
	vals, _ := r.exchange(x)
	return vals
}

func (r *Redactor) exchange(x *Exchange) ([]string, []*parsed) {
	sc := newScan()
	msgs := []*Message{&x.Request, &x.Response}
	bodies := make([]*parsed, len(msgs))
	for i, m := range msgs {
		h := m.Header
		m.URL = r.url(m.URL, false, sc)
		m.RequestURI = r.url(m.RequestURI, false, sc)
		m.Header = r.headers(m.Header, sc)
		m.Trailer = r.headers(m.Trailer, sc)
		m.Form = r.values(m.Form, sc)
		if h == nil {
			h = http.Header{}
		}
		bodies[i] = r.parseBody(h, m.Body, sc)
	}
	vals := r.withKnown(sc.list())
	for i, m := range msgs {
		m.URL = scrubString(m.URL, vals)
		m.RequestURI = scrubString(m.RequestURI, vals)
		scrubHeader(m.Header, vals)
		scrubHeader(m.Trailer, vals)
		for _, vs := range m.Form {
			for j := range vs {
				vs[j] = scrubString(vs[j], vals)
			}
		}
		m.Body = r.finish(bodies[i], vals, sc.bearing)
		if m.Header != nil {
			fixHeaders(m.Header, bodies[i], len(m.Body))
		}
	}
	out := make([]string, 0, len(sc.vals))
	for v := range sc.vals {
		out = append(out, v)
	}
	sort.Strings(out)
	return out, bodies
}

func scrubHeader(h http.Header, vals []string) {
	if len(vals) == 0 {
		return
	}
	for _, vs := range h {
		for j := range vs {
			vs[j] = scrubString(vs[j], vals)
		}
	}
}

// Interaction redacts a recorded go-vcr interaction in place, as Exchange.
// A decoded response body drops its Content-Encoding; content_length
// fields follow the stored bodies.
func (r *Redactor) Interaction(i *cassette.Interaction) {
	x := Exchange{
		Request: Message{URL: i.Request.URL, RequestURI: i.Request.RequestURI, Header: i.Request.Headers,
			Trailer: i.Request.Trailer, Form: i.Request.Form, Body: []byte(i.Request.Body)},
		Response: Message{Header: i.Response.Headers, Trailer: i.Response.Trailer, Body: []byte(i.Response.Body)},
	}
	if i.Response.Uncompressed && x.Response.Header != nil {
		// The body was stored decoded already: do not decode it again.
		x.Response.Header = x.Response.Header.Clone()
		x.Response.Header.Del("Content-Encoding")
	}
	_, bodies := r.exchange(&x)
	i.Request.URL, i.Request.RequestURI = x.Request.URL, x.Request.RequestURI
	i.Request.Headers, i.Request.Trailer, i.Request.Form = x.Request.Header, x.Request.Trailer, x.Request.Form
	i.Request.Body = string(x.Request.Body)
	if !bodies[0].kept {
		i.Request.ContentLength = int64(len(x.Request.Body))
	}
	i.Response.Headers, i.Response.Trailer = x.Response.Header, x.Response.Trailer
	i.Response.Body = string(x.Response.Body)
	if !bodies[1].kept && i.Response.ContentLength >= 0 {
		i.Response.ContentLength = int64(len(x.Response.Body))
	}
}
