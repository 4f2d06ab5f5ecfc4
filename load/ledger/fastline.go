package ledger

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// Reading a shard is most of a loader's start-up on a big ledger: the
// lines Save writes are parsed here without encoding/json, straight into
// the packed form, so reading allocates one string per record key and
// leaves next to no garbage (the heap stays near the ledger's own size
// instead of twice it). A line this parser does not recognise (escaped
// strings, another field order: anything Save does not write) falls back
// to encoding/json.

// rawEntity is an entity as bytes of the line being read.
type rawEntity struct {
	bp, id []byte
	hash   uint64
}

// fastParser holds scratch space reused across lines.
type fastParser struct {
	lists [2][]rawEntity
	buf   []byte
}

// parse reads one line; ok is false when the line is not in Save's exact
// form (the caller then decodes it with encoding/json).
func (p *fastParser) parse(b []byte) (key []byte, sync int64, gone bool, lists [2][]rawEntity, ok bool) {
	p.lists[0], p.lists[1] = p.lists[0][:0], p.lists[1][:0]
	rest, ok := bytes.CutPrefix(b, []byte(`{"k":`))
	if !ok {
		return
	}
	if key, rest, ok = plainString(rest); !ok || len(key) == 0 {
		return nil, 0, false, lists, false
	}
	if r, found := bytes.CutPrefix(rest, []byte(`,"s":`)); found {
		i := 0
		for i < len(r) && r[i] >= '0' && r[i] <= '9' {
			i++
		}
		n, err := strconv.ParseInt(string(r[:i]), 10, 64)
		if err != nil {
			return nil, 0, false, lists, false
		}
		sync, rest = n, r[i:]
	}
	if r, found := bytes.CutPrefix(rest, []byte(`,"g":true`)); found {
		gone, rest = true, r
	}
	for li, name := range []string{`,"e":[`, `,"o":[`} {
		r, found := bytes.CutPrefix(rest, []byte(name))
		if !found {
			continue
		}
		for {
			var e rawEntity
			var hex []byte
			if r, ok = bytes.CutPrefix(r, []byte(`[`)); !ok {
				return nil, 0, false, lists, false
			}
			if e.bp, r, ok = plainString(r); !ok {
				return nil, 0, false, lists, false
			}
			if r, ok = bytes.CutPrefix(r, []byte(`,`)); !ok {
				return nil, 0, false, lists, false
			}
			if e.id, r, ok = plainString(r); !ok {
				return nil, 0, false, lists, false
			}
			if r, ok = bytes.CutPrefix(r, []byte(`,`)); !ok {
				return nil, 0, false, lists, false
			}
			if hex, r, ok = plainString(r); !ok {
				return nil, 0, false, lists, false
			}
			if r, ok = bytes.CutPrefix(r, []byte(`]`)); !ok || len(e.bp) == 0 || len(e.id) == 0 {
				return nil, 0, false, lists, false
			}
			h, err := strconv.ParseUint(string(hex), 16, 64)
			if err != nil {
				return nil, 0, false, lists, false
			}
			e.hash = h
			p.lists[li] = append(p.lists[li], e)
			if r2, more := bytes.CutPrefix(r, []byte(`,`)); more {
				r = r2
				continue
			}
			if r, ok = bytes.CutPrefix(r, []byte(`]`)); !ok {
				return nil, 0, false, lists, false
			}
			break
		}
		rest = r
	}
	if !bytes.Equal(rest, []byte(`}`)) {
		return nil, 0, false, lists, false
	}
	return key, sync, gone, p.lists, true
}

// plainString reads a JSON string without escapes at the start of b.
func plainString(b []byte) (s, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 {
		return nil, nil, false
	}
	s = b[1 : 1+end]
	if bytes.IndexByte(s, '\\') >= 0 {
		return nil, nil, false
	}
	for _, c := range s {
		if c < 0x20 {
			return nil, nil, false
		}
	}
	return s, b[2+end:], true
}

// packRaw is pack for a line read by the fast parser.
func (s *Stream) packRaw(p *fastParser, key []byte, sync int64, gone bool, lists [2][]rawEntity) (string, string) {
	b := append(p.buf[:0], key...)
	b = binary.AppendVarint(b, sync)
	flags := byte(0)
	if gone {
		flags = 1
	}
	b = append(b, flags)
	for _, list := range lists {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, x := range list {
			n, found := s.bpNum[string(x.bp)]
			if !found {
				n = s.blueprintNum(string(x.bp))
			}
			b = binary.AppendUvarint(b, n)
			b = binary.AppendUvarint(b, uint64(len(x.id)))
			b = append(b, x.id...)
			b = binary.LittleEndian.AppendUint64(b, x.hash)
		}
	}
	p.buf = b
	all := string(b) // the one allocation a record key costs
	return all[:len(key)], all[len(key):]
}
