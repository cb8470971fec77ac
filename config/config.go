// Package config loads the exporter's YAML configuration: the accounts to
// collect, their credentials and token sources. Every error names the file,
// the line and the field; no error or warning contains a secret.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/wechat-exporter/wechat-exporter/internal/safefile"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Token sources.
const (
	SourceStable    = "stable"
	SourceClassic   = "classic"
	SourceFile      = "file"
	SourceComponent = "component"
)

var tokenSources = []string{SourceStable, SourceClassic, SourceFile, SourceComponent}

// Config is a loaded, validated configuration.
type Config struct {
	Accounts []Account
	// Discovery, if set, adds the accounts that authorised a third-party
	// platform (see Discovery).
	Discovery *Discovery
	// Warnings are problems that do not stop the exporter (a secret file
	// others can read).
	Warnings []string
}

// Account is one official account to collect.
type Account struct {
	Name        string // the `account` label
	AppID       string
	TokenSource string
	AppSecret   string `json:"-"` // resolved; never logged
	TokenFile   string
	Component   *Component
	Endpoints   []wechat.Endpoint
}

// Component is a third-party platform's credentials for an account.
type Component struct {
	AppID            string
	AppSecret        string `json:"-"`
	VerifyTicketFile string
	RefreshTokenFile string
	// RefreshToken is the authorizer refresh token the file held at load;
	// the exporter writes a rotated one back to the file.
	RefreshToken string `json:"-"`
}

type rawConfig struct {
	Accounts  []rawAccount  `yaml:"accounts"`
	Discovery *rawDiscovery `yaml:"discovery"`
}

type rawAccount struct {
	Name          string        `yaml:"name"`
	AppID         string        `yaml:"app_id"`
	AppSecret     string        `yaml:"app_secret"`
	AppSecretFile string        `yaml:"app_secret_file"`
	TokenSource   string        `yaml:"token_source"`
	TokenFile     string        `yaml:"token_file"`
	Component     *rawComponent `yaml:"component"`
	Endpoints     []string      `yaml:"endpoints"`
	Extra         []string      `yaml:"extra_endpoints"`
	Publisher     bool          `yaml:"publisher"`
}

type rawComponent struct {
	AppID            string `yaml:"app_id"`
	AppSecret        string `yaml:"app_secret"`
	AppSecretFile    string `yaml:"app_secret_file"`
	VerifyTicketFile string `yaml:"verify_ticket_file"`
	RefreshTokenFile string `yaml:"refresh_token_file"`
}

// Error is one problem in a configuration file.
type Error struct {
	File  string
	Line  int
	Field string // e.g. accounts[1].app_secret_file
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	return b.String() + ": " + e.Msg
}

// Load reads and validates the file at path. Secret files and relative
// paths are resolved against the file's directory.
func Load(path string) (*Config, error) {
	b, err := safefile.Read(path, safefile.MaxConfig)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read configuration: " + pathError(err) + permissionHint(err)}
	}
	return Parse(path, b)
}

// Parse validates configuration text; name is used in error messages and
// to resolve relative paths.
func Parse(name string, b []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, yamlError(name, b, err)
	}
	var raw rawConfig
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) { // an empty file: "no accounts" below
		return nil, yamlError(name, b, err)
	}
	v := &validator{file: name, dir: filepath.Dir(name), lines: accountLines(&doc), discoveryIndex: -1}
	if raw.Discovery != nil { // its lines after the accounts'
		for len(v.lines) < len(raw.Accounts) {
			v.lines = append(v.lines, map[string]int{})
		}
		v.discoveryIndex = len(v.lines)
		v.lines = append(v.lines, sectionLines(&doc, "discovery"))
	}
	cfg := v.validate(raw)
	if len(v.errs) > 0 {
		return nil, joinByLine(v.errs)
	}
	return cfg, nil
}

var (
	yamlLine       = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlUnknownKey = regexp.MustCompile(`^field (\S+) not found in type config\.raw(\w+)$`)
)

// oneLine escapes control characters: yaml.v3 quotes the offending value
// in its messages, and a newline there would break "file:line: message".
func oneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}

// yamlError rewrites yaml.v3's errors, from parsing b, as file:line:
// messages.
func yamlError(file string, b []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		msg := oneLine(strings.TrimPrefix(err.Error(), "yaml: "))
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			msg = m[2]
			if strings.HasPrefix(msg, "did not find expected") {
				if at := brokenLine(b, line, msg); at > line {
					line = at
					msg += " (is this line indented as the lines before it?)"
				}
			}
			return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
		}
		return &Error{File: file, Msg: "invalid YAML: " + msg}
	}
	var errs []error
	for _, e := range te.Errors {
		e = oneLine(e)
		m := yamlLine.FindStringSubmatch(e)
		if m == nil {
			errs = append(errs, &Error{File: file, Msg: e})
			continue
		}
		line, _ := strconv.Atoi(m[1])
		msg := m[2]
		if k := yamlUnknownKey.FindStringSubmatch(msg); k != nil {
			msg = fmt.Sprintf("unknown key %q in %s", k[1], strings.ToLower(k[2]))
		}
		errs = append(errs, &Error{File: file, Line: line, Msg: msg})
	}
	return joinByLine(errs)
}

// brokenLine finds the line that breaks a list or map of b. For "did not
// find expected '-' indicator" (or key, or node content) yaml.v3 names the
// line where the list or map began, libyaml's context, not where it found
// the problem: "line 1" for a key indented one space too little on line
// 40. The broken line is the end of the shortest run of b's first lines
// that fails with the same message. It is found in one pass: b is parsed
// again through a reader that gives yaml.v3 one byte a read, so that when
// the parser fails the bytes read end at the token it failed on (libyaml
// reads ahead only to finish a token); the last of them that is not a
// space is on the broken line. One more parse checks that the lines before
// it do not fail the same way; when they do (an unclosed flow list fails
// at the next line), the line is found by bisection below it. 0 when there
// is none (the message then stays with yaml.v3's line). A file of 30 MB
// with one such mistake was reported after 143 s by bisection alone.
func brokenLine(b []byte, from int, msg string) int {
	fails := func(prefix []byte) bool {
		var doc yaml.Node
		err := yaml.Unmarshal(prefix, &doc)
		return err != nil && sameProblem(err, msg)
	}
	r := &byteAtATime{b: b}
	var doc yaml.Node
	if err := yaml.NewDecoder(r).Decode(&doc); err == nil || !sameProblem(err, msg) {
		return 0
	}
	last := r.read - 1
	for last > 0 && isYAMLSpace(b[last]) {
		last--
	}
	line := 1 + bytes.Count(b[:last+1], []byte{'\n'})
	if line <= from {
		return 0
	}
	if !fails(b[:lineEnd(b, line-1)]) {
		return line
	}
	// Rare: bisect the lines from..line-1, each a prefix of b.
	lo, hi := max(from, 1), line-1
	for lo < hi {
		if mid := (lo + hi) / 2; fails(b[:lineEnd(b, mid)]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// sameProblem reports whether err is yaml.v3's syntax error msg.
func sameProblem(err error, msg string) bool {
	m := yamlLine.FindStringSubmatch(oneLine(strings.TrimPrefix(err.Error(), "yaml: ")))
	return m != nil && m[2] == msg
}

// lineEnd is the offset just after line n (from 1) of b, or len(b).
func lineEnd(b []byte, n int) int {
	off := 0
	for ; n > 0; n-- {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			return len(b)
		}
		off += i + 1
	}
	return off
}

func isYAMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// byteAtATime reads b one byte a call, counting what was read.
type byteAtATime struct {
	b    []byte
	read int
}

func (r *byteAtATime) Read(p []byte) (int, error) {
	if r.read >= len(r.b) {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[r.read]
	r.read++
	return 1, nil
}

// joinByLine joins the problems of a file in the order of their lines
// (those of the whole file, without a line, first), one per line of the
// joined error's text.
func joinByLine(errs []error) error {
	line := func(err error) int {
		var e *Error
		if errors.As(err, &e) {
			return e.Line
		}
		return 0
	}
	sort.SliceStable(errs, func(i, j int) bool { return line(errs[i]) < line(errs[j]) })
	return errors.Join(errs...)
}

// sectionLines maps the keys of a top-level section to their lines; key
// "" is the line of the section itself.
func sectionLines(doc *yaml.Node, name string) map[string]int {
	lines := map[string]int{}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return lines
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == name {
			lines[""] = root.Content[i].Line
			collectLines(root.Content[i+1], "", lines)
		}
	}
	return lines
}

// accountLines maps each account's keys to their lines: lines[i]["name"].
// Key "" is the line of the account itself.
func accountLines(doc *yaml.Node) []map[string]int {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "accounts" || root.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		var out []map[string]int
		for _, acc := range root.Content[i+1].Content {
			lines := map[string]int{"": acc.Line}
			collectLines(acc, "", lines)
			out = append(out, lines)
		}
		return out
	}
	return nil
}

func collectLines(n *yaml.Node, prefix string, lines map[string]int) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := prefix + n.Content[i].Value
		lines[key] = n.Content[i].Line
		collectLines(n.Content[i+1], key+".", lines)
		if n.Content[i+1].Kind == yaml.SequenceNode {
			for j, item := range n.Content[i+1].Content {
				lines[fmt.Sprintf("%s[%d]", key, j)] = item.Line
			}
		}
	}
}

type validator struct {
	file  string
	dir   string
	lines []map[string]int
	errs  []error
	warns []string
	// discoveryIndex is the position of the discovery section's lines
	// among the accounts' (-1 without one): its fields fail like an
	// account's, under "discovery".
	discoveryIndex int
}

func (v *validator) fail(i int, field, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.file, Line: v.line(i, field), Field: v.section(i) + "." + field, Msg: fmt.Sprintf(format, args...)})
}

// section names the account at i, or the discovery section.
func (v *validator) section(i int) string {
	if i == v.discoveryIndex {
		return "discovery"
	}
	return fmt.Sprintf("accounts[%d]", i)
}

// line finds the line of a field, falling back to its parents and to the
// account itself when the field is missing.
func (v *validator) line(i int, field string) int {
	if i >= len(v.lines) {
		return 0
	}
	for f := field; ; {
		if l, ok := v.lines[i][f]; ok {
			return l
		}
		cut := strings.LastIndexAny(f, ".[")
		if cut < 0 {
			return v.lines[i][""]
		}
		f = f[:cut]
	}
}

func (v *validator) validate(raw rawConfig) *Config {
	cfg := &Config{}
	if len(raw.Accounts) == 0 && raw.Discovery == nil {
		v.errs = append(v.errs, &Error{File: v.file, Field: "accounts", Msg: "no accounts configured (and no discovery)"})
	}
	if raw.Discovery != nil {
		cfg.Discovery = v.discovery(raw.Discovery)
	}
	seen, seenID := map[string]int{}, map[string]int{}
	for i, ra := range raw.Accounts {
		a := v.account(i, ra)
		if first, dup := seen[a.Name]; dup && a.Name != "" {
			v.fail(i, "name", "duplicate account name %q (first used at line %d)", a.Name, v.line(first, "name"))
		}
		seen[a.Name] = i
		if id := a.AppID; isAppID(id) {
			if first, dup := seenID[id]; dup {
				v.fail(i, "app_id", "%s is %s's AppID too (line %d): configure each account once", a.AppID, v.section(first), v.line(first, "app_id"))
			}
			seenID[id] = i
		}
		cfg.Accounts = append(cfg.Accounts, a)
	}
	cfg.Warnings = v.warns
	return cfg
}

// MaxNameLen bounds account names, which are label values and URL
// parameters.
const MaxNameLen = 64

func (v *validator) account(i int, ra rawAccount) Account {
	a := Account{Name: ra.Name, AppID: ra.AppID, TokenSource: ra.TokenSource}
	switch {
	case ra.Name == "":
		v.fail(i, "name", "missing: every account needs a unique name (the value of the account label)")
	case !ValidName(ra.Name):
		v.fail(i, "name", "%q is not a valid name: use at most %d printable characters, no spaces and none of %s", ra.Name, MaxNameLen, strings.Join(strings.Split(nameForbidden, ""), " "))
	}
	v.appID(i, "app_id", ra.AppID)
	if a.TokenSource == "" {
		a.TokenSource = SourceStable
	}
	switch a.TokenSource {
	case SourceStable, SourceClassic:
		a.AppSecret = v.secret(i, "app_secret", ra.AppSecret, ra.AppSecretFile)
	case SourceFile:
		if ra.TokenFile == "" {
			v.fail(i, "token_file", "missing: token_source file reads the token from this file")
		}
		a.TokenFile = v.path(ra.TokenFile)
		v.checkFile(i, "token_file", a.TokenFile)
	case SourceComponent:
		a.Component = v.component(i, ra.Component)
	default:
		v.fail(i, "token_source", "unknown token source %q: want one of %s", ra.TokenSource, strings.Join(tokenSources, ", "))
	}
	if a.TokenSource != SourceComponent && ra.Component != nil {
		v.fail(i, "component", "only used with token_source: component")
	}
	if a.TokenSource != SourceFile && ra.TokenFile != "" {
		v.fail(i, "token_file", "only used with token_source: file")
	}
	a.Endpoints = v.endpoints(i, "endpoints", ra.Endpoints, wechat.DatacubeEndpoints())
	for _, ep := range v.endpoints(i, "extra_endpoints", ra.Extra, nil) {
		if !slices.Contains(a.Endpoints, ep) {
			a.Endpoints = append(a.Endpoints, ep)
		}
	}
	if ra.Publisher { // the ad analysis answers only for publishers: opt-in
		for _, ep := range wechat.PublisherEndpoints() {
			if !slices.Contains(a.Endpoints, ep) {
				a.Endpoints = append(a.Endpoints, ep)
			}
		}
	}
	return a
}

// nameForbidden are the characters an account name may not hold, though
// printable: a name is a label value, a URL parameter, and text on the
// landing page and in dashboards, where these quote or open markup.
const nameForbidden = "\"'<>&\\`"

// NameRune reports whether r may be in an account name.
func NameRune(r rune) bool {
	return unicode.IsPrint(r) && !unicode.IsSpace(r) && !strings.ContainsRune(nameForbidden, r)
}

// ValidName reports whether s may name an account: at most MaxNameLen
// runes, each a NameRune.
func ValidName(s string) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxNameLen {
		return false
	}
	for _, r := range s {
		if !NameRune(r) {
			return false
		}
	}
	return true
}

func (v *validator) component(i int, rc *rawComponent) *Component {
	if rc == nil {
		v.fail(i, "component", "missing: token_source component needs app_id, app_secret_file, verify_ticket_file and refresh_token_file")
		return nil
	}
	c := &Component{AppID: rc.AppID, VerifyTicketFile: v.path(rc.VerifyTicketFile), RefreshTokenFile: v.path(rc.RefreshTokenFile)}
	v.appID(i, "component.app_id", rc.AppID)
	c.AppSecret = v.secret(i, "component.app_secret", rc.AppSecret, rc.AppSecretFile)
	if rc.VerifyTicketFile == "" {
		v.fail(i, "component.verify_ticket_file", "missing")
	} else {
		v.checkFile(i, "component.verify_ticket_file", c.VerifyTicketFile)
	}
	if rc.RefreshTokenFile == "" {
		v.fail(i, "component.refresh_token_file", "missing")
	} else {
		c.RefreshToken = v.secretFile(i, "component.refresh_token_file", c.RefreshTokenFile)
	}
	return c
}

// endpoints resolves a list of endpoint names (field), or gives def when
// the list is empty.
func (v *validator) endpoints(i int, field string, names []string, def []wechat.Endpoint) []wechat.Endpoint {
	if len(names) == 0 {
		return def
	}
	var out []wechat.Endpoint
	for j, n := range names {
		ep, ok := wechat.EndpointByName(n)
		switch {
		case ok && ep.PerPath:
			v.fail(i, fmt.Sprintf("%s[%d]", field, j), "%q is asked for every account: --collector.quota-interval sets how often, 0 turns it off", n)
		case !ok:
			v.fail(i, fmt.Sprintf("%s[%d]", field, j), "unknown endpoint %q: want one of %s", n, strings.Join(configurable(), ", "))
		case slices.Contains(out, ep):
			v.fail(i, fmt.Sprintf("%s[%d]", field, j), "endpoint %q listed twice", n)
		default:
			out = append(out, ep)
		}
	}
	return out
}

// configurable names the endpoints an account's endpoints may list.
func configurable() []string {
	var names []string
	for _, n := range wechat.EndpointNames() {
		if ep, _ := wechat.EndpointByName(n); !ep.PerPath {
			names = append(names, n)
		}
	}
	return names
}

func (v *validator) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(v.dir, p)
}

// secret resolves field (inline, with ${ENV} expansion) or field_file.
func (v *validator) secret(i int, field, inline, file string) string {
	switch {
	case inline != "" && file != "":
		v.fail(i, field, "set either %s or %s_file, not both", field[strings.LastIndex(field, ".")+1:], field[strings.LastIndex(field, ".")+1:])
		return ""
	case file != "":
		s := v.secretFile(i, field+"_file", v.path(file))
		v.secretForm(i, field+"_file", s)
		return s
	case inline == "":
		v.fail(i, field, "missing: set %s_file (a file holding the secret) or %s (\"${ENV_VAR}\" is expanded)", field, field)
		return ""
	}
	var missing []string
	s := os.Expand(inline, func(name string) string {
		val, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return val
	})
	if len(missing) > 0 {
		v.fail(i, field, "environment variable %s is not set", strings.Join(missing, ", "))
	} else if strings.TrimSpace(s) == "" {
		v.fail(i, field, "is empty after environment expansion")
	}
	s = strings.TrimSpace(s)
	v.secretForm(i, field, s)
	return s
}

func (v *validator) secretFile(i int, field, path string) string {
	b, err := safefile.Read(path, safefile.MaxSecret)
	if err != nil {
		v.fail(i, field, "cannot read secret file: %s%s", pathError(err), permissionHint(err))
		return ""
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		v.fail(i, field, "secret file %s is empty", path)
		return ""
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o004 != 0 {
		v.warns = append(v.warns, fmt.Sprintf("%s:%d: %s.%s: secret file %s is readable by every user (mode %04o); chmod 600 it",
			v.file, v.line(i, field), v.section(i), field, path, fi.Mode().Perm()))
	}
	return s
}

// checkFile checks a file another system keeps current (a token, a verify
// ticket): it need not exist yet, but if it does it must be a regular file
// of secret size, or reading it later would block or never end.
func (v *validator) checkFile(i int, field, path string) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return
	}
	if _, err := safefile.Read(path, safefile.MaxSecret); err != nil {
		v.fail(i, field, "cannot read %s%s", pathError(err), permissionHint(err))
	}
}

// permissionHint says who must be able to read a file the process may
// not read: in a container or a systemd unit that is another user than the
// one who wrote the file.
func permissionHint(err error) string {
	if !errors.Is(err, fs.ErrPermission) {
		return ""
	}
	return fmt.Sprintf(" (this process runs as uid %d: make the file readable by it)", os.Getuid())
}

// pathError gives an os error's reason with its path, without Go's "open"
// prefix.
func pathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}
