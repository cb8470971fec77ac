package app

import (
	"hash/fnv"
	"slices"

	"github.com/wechat-exporter/wechat-exporter/config"
)

// Sharding across processes (--shard, --total-shards, as kube-state-metrics
// names them): every process is given the same configuration and keeps the
// accounts whose AppID hashes to its shard, so that N processes together
// fetch and serve every account once. The hash is FNV-1a (64 bits) of the
// AppID, modulo the number of shards: stable across versions, restarts and
// configuration order, so an account stays with its shard (and its store).

// shardOf returns the shard of an account.
func ShardOf(appID string, total int) int {
	h := fnv.New64a()
	h.Write([]byte(appID))
	return int(h.Sum64() % uint64(total))
}

// owns reports whether the account of appID is this process's.
func (f *flags) owns(appID string) bool {
	return f.totalShards <= 1 || ShardOf(appID, f.totalShards) == f.shard
}

// inShard returns the accounts of this process's shard.
func (f *flags) inShard(accounts []config.Account) []config.Account {
	if f.totalShards <= 1 {
		return accounts
	}
	return slices.DeleteFunc(slices.Clone(accounts), func(a config.Account) bool { return !f.owns(a.AppID) })
}
