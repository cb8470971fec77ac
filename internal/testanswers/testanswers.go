// Package testanswers holds the WeChat answers the tests of every package
// read, one copy of each: samples/ (the official sample answer of each
// endpoint), versions/ (the other shapes the documentation and SDKs show),
// content/ (the 2025 content endpoints, written from their documented
// fields) and real/ (shapes real servers sent that no documentation
// shows). Each directory's README says where its answers come from. Files
// are named <endpoint>.json, or <endpoint>.<source>.json beside the first.
// Only tests import this package.
package testanswers

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed samples/*.json versions/*.json content/*.json real/*.json
var files embed.FS

// Directories of answers.
const (
	Samples  = "samples"
	Versions = "versions"
	Content  = "content"
	Real     = "real"
)

// Answer is one file of answers.
type Answer struct {
	Dir      string // Samples, Versions, Content or Real
	Name     string // the file's name without .json: endpoint.source
	Endpoint string // the endpoint whose answer it is
	Body     []byte
}

// Read returns the answer dir/name.json; nil if there is none.
func Read(dir, name string) []byte {
	b, err := files.ReadFile(path.Join(dir, name+".json"))
	if err != nil {
		return nil
	}
	return b
}

// Sample returns the official sample answer of an endpoint; nil if there
// is none.
func Sample(endpoint string) []byte { return Read(Samples, endpoint) }

// In returns the answers of a directory, by name.
func In(dir string) []Answer {
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		return nil
	}
	var out []Answer
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		endpoint, _, _ := strings.Cut(name, ".")
		out = append(out, Answer{Dir: dir, Name: name, Endpoint: endpoint, Body: Read(dir, name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// All returns every answer of every directory.
func All() []Answer {
	var out []Answer
	for _, dir := range []string{Samples, Versions, Content, Real} {
		out = append(out, In(dir)...)
	}
	return out
}
