package wechat

import (
	"regexp"
	"strings"
	"sync"
)

// Redacted replaces every credential in errors and logs.
const Redacted = "REDACTED"

// credentialParam matches credentials in URL query strings and in JSON or
// form bodies, whatever the parameter's place in the text.
var (
	credentialParam = regexp.MustCompile(`(?i)\b((?:component_|authorizer_)?access_token|(?:component_)?app_?secret|secret|(?:authorizer_)?refresh_token|component_verify_ticket|ticket)=([^&\s"'<>]+)`)
	credentialJSON  = regexp.MustCompile(`(?i)("(?:(?:component_|authorizer_)?access_token|(?:component_)?app_?secret|secret|(?:authorizer_)?refresh_token|component_verify_ticket)"\s*:\s*)"[^"]*"`)
)

// RedactString removes credentials from s: the values of credential
// parameters in URLs and JSON, and every secret registered with the
// redactor.
func RedactString(s string) string {
	s = credentialParam.ReplaceAllString(s, "${1}="+Redacted)
	return credentialJSON.ReplaceAllString(s, `${1}"`+Redacted+`"`)
}

// redactor also removes known secret values, so that a secret which turns up
// somewhere unexpected (say, an echoing proxy page) is still hidden. App
// secrets are kept for the client's life; tokens only the last few, since a
// token rotates every two hours and an old one is useless.
type redactor struct {
	mu      sync.RWMutex
	secrets []string
	tokens  [8]string
	next    int
}

// minSecretLen avoids replacing short, common strings.
const minSecretLen = 6

func (r *redactor) addSecret(secret string) {
	if len(secret) < minSecretLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.secrets {
		if s == secret {
			return
		}
	}
	r.secrets = append(r.secrets, secret)
}

func (r *redactor) addToken(tok string) {
	if len(tok) < minSecretLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tokens[r.next%len(r.tokens)] = tok
	r.next++
}

func (r *redactor) redact(s string) string {
	s = RedactString(s)
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, Redacted)
	}
	for _, tok := range r.tokens {
		if tok != "" {
			s = strings.ReplaceAll(s, tok, Redacted)
		}
	}
	return s
}
