package config

import (
	"fmt"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// The forms of WeChat's credentials. Every AppID WeChat issues (an
// official account's, a mini program's, a third-party platform's) is "wx"
// and 16 hexadecimal digits, and every AppSecret 32 hexadecimal digits: a
// value of another form is a paste gone wrong (the original ID gh_...,
// the two swapped, a line cut short), which WeChat would refuse at every
// fetch with 40013 or 40125. Refused here, it fails --config.check.
const (
	appSecretDigits = 32
	appIDWant       = `want "wx" and 16 hexadecimal digits, such as wx0123456789abcdef`
)

var (
	isHex   = wechat.IsHex
	isAppID = wechat.ValidAppID
)

// appIDProblem says what is wrong with an AppID, "" if nothing is.
func appIDProblem(id string) string {
	switch {
	case isAppID(id):
		return ""
	case len(id) >= 3 && id[:3] == "gh_":
		return fmt.Sprintf("%q is the account's original ID (gh_...), not its AppID: %s", id, appIDWant)
	case len(id) == appSecretDigits && isHex(id):
		// Said without the value: it may well be the secret.
		return "is of the form of an AppSecret, not an AppID (are app_id and app_secret swapped?): " + appIDWant
	case len(id) > 64:
		return fmt.Sprintf("%q... (%d characters) is not an AppID: %s", id[:16], len(id), appIDWant)
	}
	return fmt.Sprintf("%q is not an AppID: %s", id, appIDWant)
}

// appID checks an AppID the configuration gives in field.
func (v *validator) appID(i int, field, id string) {
	if id == "" {
		v.fail(i, field, "missing")
	} else if p := appIDProblem(id); p != "" {
		v.fail(i, field, "%s", p)
	}
}

// secretForm checks the form of an AppSecret the configuration gives in
// field, saying what is wrong without a character of it.
func (v *validator) secretForm(i int, field, secret string) {
	switch {
	case secret == "" || len(secret) == appSecretDigits && isHex(secret):
	case isAppID(secret):
		v.fail(i, field, "not an AppSecret but an AppID: want %d hexadecimal digits", appSecretDigits)
	case len(secret) == appSecretDigits:
		v.fail(i, field, "not an AppSecret: want %d hexadecimal digits, have %d characters of which some are not", appSecretDigits, len(secret))
	case len(secret) == 1:
		v.fail(i, field, "not an AppSecret: want %d hexadecimal digits, have 1 character", appSecretDigits)
	default:
		v.fail(i, field, "not an AppSecret: want %d hexadecimal digits, have %d characters", appSecretDigits, len(secret))
	}
}
