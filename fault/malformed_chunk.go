package fault

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// malformedChunkKind is the `malformed_chunk` fault (Fault.MalformedChunk):
// `Transfer-Encoding: chunked`, half the body as one good chunk, then bytes
// that are no chunk, then FIN; Go clients get the status, then a body error.
//
// YAML: `fault: malformed_chunk` or `malformed_chunk: true`; header:
// `malformed_chunk`.
func malformedChunkKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "malformed_chunk", Class: ClassBody, Bare: true,
			Summary: "Transfer-Encoding: chunked, then bytes that are no valid chunk, then FIN"},
		has:   func(f *Fault) bool { return f.MalformedChunk },
		take:  func(dst, src *Fault) { dst.MalformedChunk = src.MalformedChunk },
		parse: func(p *parser, v *yaml.Node, f *Fault) { f.MalformedChunk, _ = p.boolean(v, "malformed_chunk") },
		send:  (*exchange).malformedChunk,
	}
}

// malformedChunk writes a chunked head, one good chunk and a bad one on the
// raw connection, then FIN.
func (x *exchange) malformedChunk(resp *response) Outcome {
	resp.header.Del("Content-Length")
	resp.header.Set("Transfer-Encoding", "chunked")
	c, brw, err := hijack(x.w)
	if err != nil {
		return x.unhijackable(err)
	}
	writeHead(brw.Writer, resp)
	half := resp.body[:len(resp.body)/2]
	if len(half) > 0 {
		fmt.Fprintf(brw, "%x\r\n%s\r\n", len(half), half)
	}
	_, _ = brw.WriteString("zz\r\nnot a chunk\r\n")
	if err := brw.Flush(); err != nil {
		x.out.Err = err.Error()
	} else {
		x.out.BytesWritten = int64(len(half))
	}
	x.finish(c, false)
	return x.out
}
