package app

import (
	"path/filepath"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/internal/safefile"
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
				// Inside its directory only: a discovered account's file is
				// named by its AppID, which came from WeChat's list.
				dir, name := filepath.Split(c.RefreshTokenFile)
				if err := safefile.WriteIn(filepath.Clean(dir), name, tok+"\n"); err != nil {
					saveFailures.Inc()
					level.Error(logger).Log("msg", "could not save the rotated authorizer refresh token; if it is lost the account must authorize again",
						"account", a.Name, "file", c.RefreshTokenFile, "err", err)
				}
			},
		}), nil
	}
	return wechat.NewStableToken(a.AppID, a.AppSecret), nil
}
