package wechat

// The forms of the identifiers WeChat issues. An identifier that comes
// from an answer (a platform's list of authorizers) becomes a file name
// and an account name: one of another form is not WeChat's, whatever sent
// it, and is never used.

// AppIDHexDigits is how many hexadecimal digits follow "wx" in an AppID.
const AppIDHexDigits = 16

// ValidAppID reports whether s has the form of every AppID WeChat issues
// (an official account's, a mini program's, a third-party platform's):
// "wx" and 16 hexadecimal digits. Such a string is a safe file name and
// label value.
func ValidAppID(s string) bool {
	return len(s) == 2+AppIDHexDigits && s[:2] == "wx" && IsHex(s[2:])
}

// IsHex reports whether s is made of hexadecimal digits only.
func IsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
