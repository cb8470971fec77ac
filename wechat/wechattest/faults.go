package wechattest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"time"
)

// Fault makes matching requests fail. Exactly one of Errcode, Ret, TopRet, Status,
// Reset, Body, Truncate or Rewrite should be set; Latency may be added to any of
// them, or used alone to slow down real answers.
type Fault struct {
	AppID    string // "" matches every account
	Endpoint string // "" matches every endpoint, token endpoints included

	Errcode  int64               // answer {"errcode":N} with HTTP 200, as WeChat does
	Ret      int64               // answer {"base_resp":{"ret":N}}, as the publisher API's documentation does
	TopRet   int64               // answer {"ret":N,"err_msg":...}, as real publisher API servers do
	Status   int                 // answer with this HTTP status and a proxy's HTML page
	Reset    bool                // drop the connection without answering
	Body     string              // answer with this raw body (malformed JSON, HTML...)
	Truncate bool                // answer with the first half of the real answer
	Rewrite  func([]byte) []byte // answer with the real answer rewritten (see WithoutField)
	Latency  time.Duration       // wait this long first (the request's context ends it)

	// Times limits the fault to the next N matching requests; 0 keeps it
	// until the function Inject returned is called.
	Times int
}

// Bodies for Fault.Body.
const (
	HTMLErrorPage = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
	MalformedJSON = `{"list":[{"ref_date":"2024-01-01","new_user":12,}]}`
)

type faultRule struct {
	Fault
	left int // remaining uses when Times > 0
}

// Inject adds a fault and returns a function that removes it ("release").
func (s *Server) Inject(f Fault) (release func()) {
	rule := &faultRule{Fault: f, left: f.Times}
	s.mu.Lock()
	s.faults = append(s.faults, rule)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, r := range s.faults {
			if r == rule {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				return
			}
		}
	}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first fault matching the request, using one of its
// uses up.
func (s *Server) takeFault(appID, endpoint string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.faults {
		if (r.AppID != "" && r.AppID != appID) || (r.Endpoint != "" && r.Endpoint != endpoint) {
			continue
		}
		f := r.Fault
		if r.Times > 0 {
			r.left--
			if r.left <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &f
	}
	return nil
}

// applyFault answers the request with a matching fault, if any, and
// reports whether it did.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, appID, endpoint string) bool {
	f := s.takeFault(appID, endpoint)
	if f == nil {
		return false
	}
	if f.Latency > 0 {
		// net/http notices a client that went away (its timeout) only once
		// the request's body is read to its end: read it now, keep it for
		// the answer.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case f.Reset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
			}
		}
	case f.Errcode != 0:
		s.writeErr(w, f.Errcode)
	case f.Ret != 0:
		writeRet(w, f.Ret)
	case f.TopRet != 0:
		writeTopRet(w, f.TopRet)
	case f.Status != 0:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, HTMLErrorPage)
	case f.Body != "":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, f.Body)
	case f.Truncate:
		rec := httptest.NewRecorder()
		s.serveReal(rec, r, endpoint)
		body := rec.Body.Bytes()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body[:len(body)/2])
	case f.Rewrite != nil:
		rec := httptest.NewRecorder()
		s.serveReal(rec, r, endpoint)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(f.Rewrite(rec.Body.Bytes()))
	default:
		return false // latency only: go on to the real answer
	}
	return true
}

// peekJSON decodes a JSON object body without consuming it: it returns the
// object (nil if the body is not one) and a reader of the same bytes.
func peekJSON(r *http.Request) (map[string]any, io.ReadCloser) {
	if r.Body == nil {
		return nil, http.NoBody
	}
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m, io.NopCloser(bytes.NewReader(b))
}
