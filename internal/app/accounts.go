package app

import (
	"os"
	"path/filepath"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// newClient builds the WeChat client of an account with its token source.
func newClient(a config.Account, opts []wechat.Option, obs wechat.Observer, logger log.Logger, saveFailures prometheus.Counter) (*wechat.Client, error) {
	src, err := tokenSource(a, logger, saveFailures)
	if err != nil {
		return nil, err
	}
	return wechat.New(src, append(append([]wechat.Option(nil), opts...), wechat.WithObserver(obs))...)
}

func tokenSource(a config.Account, logger log.Logger, saveFailures prometheus.Counter) (wechat.TokenSource, error) {
	switch a.TokenSource {
	case config.SourceClassic:
		level.Warn(logger).Log("msg", "token_source classic invalidates the access token of every other system using this account; prefer stable", "account", a.Name)
		return wechat.NewClassicToken(a.AppID, a.AppSecret), nil
	case config.SourceFile:
		return wechat.NewFileToken(a.TokenFile), nil
	case config.SourceComponent:
		c := a.Component
		return wechat.NewComponentToken(wechat.ComponentConfig{
			ComponentAppID: c.AppID, ComponentSecret: c.AppSecret, VerifyTicketFile: c.VerifyTicketFile,
			AuthorizerAppID: a.AppID, RefreshToken: c.RefreshToken,
			SaveRefreshToken: func(tok string) {
				if err := writeFileAtomic(c.RefreshTokenFile, tok+"\n"); err != nil {
					saveFailures.Inc()
					level.Error(logger).Log("msg", "could not save the rotated authorizer refresh token; if it is lost the account must authorize again",
						"account", a.Name, "file", c.RefreshTokenFile, "err", err)
				}
			},
		}), nil
	}
	return wechat.NewStableToken(a.AppID, a.AppSecret), nil
}

// writeFileAtomic replaces path with content, never leaving it half
// written: a torn refresh token would be as lost as none.
func writeFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".refresh-token-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// The rename is only durable once the directory is: without this, a
	// power cut can bring the old file, and the old token, back.
	return syncDir(filepath.Dir(path))
}

// syncDir flushes a directory's entries to disk.
var syncDir = func(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
