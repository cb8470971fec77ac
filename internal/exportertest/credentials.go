package exportertest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// AppID is a test's n-th AppID, of WeChat's form ("wx" and 16 hexadecimal
// digits), which the configuration requires: AppID(0xa1) is
// wx00000000000000a1.
func AppID(n int) string { return fmt.Sprintf("wx%016x", n) }

// AppSecret is a test's AppSecret for the account id, of WeChat's form (32
// hexadecimal digits) and its own for each id.
func AppSecret(id string) string {
	sum := sha256.Sum256([]byte("wechat-exporter test secret " + id))
	return hex.EncodeToString(sum[:16])
}
