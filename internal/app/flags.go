package app

import (
	"fmt"
	"math"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// flags are the command line of the exporter.
type flags struct {
	configFile      string
	configCheck     bool
	web             *web.FlagConfig
	telemetryPath   string
	maxRequests     int
	maxConnections  int
	writeTimeout    time.Duration
	enableLifecycle bool
	logLevel        string
	logFormat       string
	storagePath     string
	storageSet      bool
	apiURL          string
	maxConcurrency  int
	apiTimeout      time.Duration
	apiAttempts     int
	requestsPerSec  float64
	readyTime       string
	readySet        bool
	retryInterval   time.Duration
	liveInterval    time.Duration
	quotaInterval   time.Duration
	lookback        string
	maxPosts        int
	allowlist       string
	denylist        string
	demo            bool
	DemoAccounts    int
	clockOffset     time.Duration // hidden: the tests' shifted clock (demo only)
	shard           int
	totalShards     int
	gogc            int

	command  string // "serve" or "backfill"
	from, to string
	accounts []string
	output   string
	labels   []string // NAME=VALUE
}

// now is the exporter's clock: the real one, shifted by the hidden
// --debug.clock-offset of the tests.
func (f *flags) now() time.Time { return time.Now().Add(f.clockOffset) }

// Flags are the parsed command line (ParseFlags), for Run.
type Flags = flags

// ParseFlags parses the command line (without the program's name).
func ParseFlags(args []string) (*Flags, error) { return parseFlags(args) }

func parseFlags(args []string) (*flags, error) {
	f := &flags{}
	app := newApp(f)
	cmd, err := app.Parse(args)
	if err != nil {
		return nil, namedFlagError(app, args, err)
	}
	f.command = cmd
	// Every value is checked now, before anything is opened or bound: a
	// mistake in any flag is a usage error, named, and costs nothing.
	if err := checkTelemetryPath(f.telemetryPath); err != nil {
		return nil, err
	}
	if _, err := newSettings(f); err != nil {
		return nil, err
	}
	return f, nil
}

// servedPaths are the exporter's own pages, which the metrics cannot
// take (ServeMux would panic on a clash, or hide one of the two).
var servedPaths = []string{"/probe", "/targets", "/healthz", "/readyz", "/-/healthy", "/-/ready", "/-/reload"}

// checkTelemetryPath refuses a --web.telemetry-path that ServeMux would
// panic on (empty, no leading /), read as something else (a method and a
// path, a pattern) or never match (a query, a fragment, a path that is not
// clean), or one of the exporter's own pages.
func checkTelemetryPath(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("--web.telemetry-path %q: want a path starting with /, such as /metrics", p)
	case strings.ContainsAny(p, "?#{}% ") || strings.ContainsFunc(p, unicode.IsControl) || path.Clean(p) != p:
		return fmt.Errorf("--web.telemetry-path %q: want a plain path (no query, fragment, pattern, space, escape, // or ..), such as /metrics", p)
	case slices.Contains(servedPaths, p) || strings.HasPrefix(p, "/-/"):
		return fmt.Errorf("--web.telemetry-path %q: the exporter serves that path itself; choose another, such as /metrics", p)
	}
	return nil
}

// newApp defines the command line, with f to hold what it parses.
func newApp(f *flags) *kingpin.Application {
	app := kingpin.New("wechat-exporter", "Prometheus exporter for WeChat Official Account statistics (datacube).")
	app.Version(version.Print("wechat-exporter"))
	app.HelpFlag.Short('h')
	app.Flag("config.file", "Configuration file: the accounts to collect.").Default("wechat-exporter.yml").StringVar(&f.configFile)
	app.Flag("config.check", "Validate the configuration file and exit.").BoolVar(&f.configCheck)
	f.web = kingpinflag.AddFlags(app, ":10070")
	app.Flag("web.telemetry-path", "Path under which to expose metrics: a plain path starting with /, not one of the exporter's own pages.").Default("/metrics").StringVar(&f.telemetryPath)
	app.Flag("web.max-requests", "Most scrape answers (/metrics and /probe) prepared at once; more are refused with 503 (0: no limit). A scrape's slot is freed once its answer is prepared, when it starts to be written, so clients that do not read hold none.").Default("40").IntVar(&f.maxRequests)
	app.Flag("web.max-connections", "Most connections open at once on each listen address (0: no limit); more wait to be accepted.").Default("512").IntVar(&f.maxConnections)
	app.Flag("web.enable-lifecycle", "Enable POST /-/reload, which reloads the configuration file as SIGHUP does.").BoolVar(&f.enableLifecycle)
	app.Flag("web.write-timeout", "Longest a response may take to write, so that a client that never reads is dropped.").Default("2m").DurationVar(&f.writeTimeout)
	app.Flag("log.level", "Only log messages with the given severity or above: debug, info, warn, error.").Default("info").EnumVar(&f.logLevel, "debug", "info", "warn", "error")
	app.Flag("log.format", "Log format: logfmt or json.").Default("logfmt").EnumVar(&f.logFormat, "logfmt", "json")
	app.Flag("storage.path", "Directory of the embedded store.").Default("data").IsSetByUser(&f.storageSet).StringVar(&f.storagePath)
	app.Flag("wechat.api-url", "Base URL of the WeChat API.").Default(wechat.DefaultBaseURL).StringVar(&f.apiURL)
	app.Flag("wechat.max-concurrency", "Most WeChat requests in flight, across all accounts.").Default("4").IntVar(&f.maxConcurrency)
	app.Flag("wechat.timeout", "Longest one WeChat request may take, connection to last byte.").Default("30s").DurationVar(&f.apiTimeout)
	app.Flag("wechat.requests-per-second", "Most WeChat requests a second, across all accounts (token requests and retries included), so that WeChat's per-minute limits (45011) are not hit; 0: no limit.").Default("0").Float64Var(&f.requestsPerSec)
	app.Flag("wechat.attempts", "Tries of a request that failed transiently (busy, 5xx, network, broken body) before the fetcher waits; 1 means no immediate retry.").Default("4").IntVar(&f.apiAttempts)
	app.Flag("collector.ready-time", "Beijing time of day (HH:MM) after which yesterday's data is fetched (with --demo, 00:00 unless given).").Default("08:30").IsSetByUser(&f.readySet).StringVar(&f.readyTime)
	app.Flag("collector.retry-interval", "Wait before asking again after 'data not ready' or a transient failure.").Default("10m").DurationVar(&f.retryInterval)
	app.Flag("collector.live-interval", "How often an endpoint that describes the account now (user_get) is asked.").Default("1h").DurationVar(&f.liveInterval)
	app.Flag("collector.quota-interval", "How often the daily quota of each API path an account calls is asked (one quota/get request per path): 24h or more, once a Beijing day after the day's fetch, and at once after a 45009 or when none is served yet (a first start); shorter (at least 1h), that often; 0 turns the quota metrics off.").Default("24h").DurationVar(&f.quotaInterval)
	app.Flag("collector.lookback", "How many past days must be in the store (e.g. 7d, 30d).").Default("7d").StringVar(&f.lookback)
	app.Flag("metric-allowlist", "Comma-separated regular expressions over metric names: only the WeChat metric families that match one are served (and stored in the render cache, and written by backfill). Not with --metric-denylist.").StringVar(&f.allowlist)
	app.Flag("metric-denylist", "Comma-separated regular expressions over metric names: the WeChat metric families that match one are not served (nor stored in the render cache, nor written by backfill). Not with --metric-allowlist.").StringVar(&f.denylist)
	app.Flag("collector.article.max-posts", "Most per-post article series per account (highest reads first).").Default("50").IntVar(&f.maxPosts)
	app.Flag("shard", "This process's shard, from 0: it fetches and serves the accounts whose AppID hashes to it (with --total-shards).").Default("0").IntVar(&f.shard)
	app.Flag("total-shards", "Number of processes sharing the accounts of the same configuration, each with its --shard.").Default("1").IntVar(&f.totalShards)
	app.Flag("runtime.gogc", "Garbage collection target percentage (as GOGC) when the GOGC environment variable is not set; lower trades CPU for a lower memory peak.").Default(strconv.Itoa(DefaultGOGC)).IntVar(&f.gogc)
	app.Flag("demo", "Run against a built-in fake of the WeChat API with demo accounts: no configuration or credentials needed.").Envar("WECHAT_EXPORTER_DEMO").BoolVar(&f.demo)
	app.Flag("demo.accounts", "Number of demo accounts.").Default(strconv.Itoa(len(DemoNames))).IntVar(&f.DemoAccounts)
	// The end-to-end tests replay chosen days against the demo's fake: the
	// exporter (and the fake) believe the time is the real one plus this.
	app.Flag("debug.clock-offset", "Shift the exporter's clock by this much (tests; --demo only).").Hidden().DurationVar(&f.clockOffset)

	app.Command("serve", "Fetch in the background and serve the metrics (the default).").Default()
	backfill := app.Command("backfill", "Fill the store with past days and write them as OpenMetrics for promtool tsdb create-blocks-from openmetrics.")
	backfill.Flag("from", "First day to import (YYYY-MM-DD, Beijing).").Required().StringVar(&f.from)
	backfill.Flag("to", "Last day to import (YYYY-MM-DD, Beijing; at most yesterday).").Required().StringVar(&f.to)
	backfill.Flag("account", "Import only this account (repeatable; default: all).").StringsVar(&f.accounts)
	backfill.Flag("output", "OpenMetrics file to write (- for standard output).").Required().StringVar(&f.output)
	backfill.Flag("label", "Add this label to every series, as NAME=VALUE (repeatable): the job and instance labels Prometheus gives the live series, so that the history joins them.").StringsVar(&f.labels)
	return app
}

// parseReadyTime parses "HH:MM" into the offset from midnight.
func parseReadyTime(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return 0, fmt.Errorf("--collector.ready-time %q: want HH:MM, e.g. 08:30", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// parseLookback parses a Prometheus duration into whole days (at least 1).
func parseLookback(s string) (int, error) {
	d, err := model.ParseDuration(s)
	if err != nil || time.Duration(d) < 24*time.Hour {
		return 0, fmt.Errorf("--collector.lookback %q: want a duration of at least one day, e.g. 7d", s)
	}
	return int(math.Ceil(time.Duration(d).Hours() / 24)), nil
}

// CheckArgs parses a command line and checks its settings as a start
// would, without starting: for tools and tests that hold a shipped command
// line (a manifest's, a compose file's) to what the exporter accepts.
func CheckArgs(args []string) (*Flags, error) {
	f, err := parseFlags(args)
	if err != nil {
		return nil, err
	}
	if _, err := newSettings(f); err != nil {
		return nil, err
	}
	return f, nil
}

// FlagNames returns the name of every flag a user may give (hidden ones
// aside), of the exporter and of its commands.
func FlagNames() []string {
	model := newApp(&flags{}).Model()
	var names []string
	add := func(fs []*kingpin.FlagModel) {
		for _, fl := range fs {
			if !fl.Hidden && !slices.Contains(names, fl.Name) {
				names = append(names, fl.Name)
			}
		}
	}
	add(model.Flags)
	for _, c := range model.Commands {
		add(c.Flags)
	}
	return names
}

// ConfigFile is --config.file.
func (f *Flags) ConfigFile() string { return f.configFile }

// StoragePath is --storage.path.
func (f *Flags) StoragePath() string { return f.storagePath }

// TotalShards is --total-shards.
func (f *Flags) TotalShards() int { return f.totalShards }

// ListenAddresses are the --web.listen-address values.
func (f *Flags) ListenAddresses() []string { return *f.web.WebListenAddresses }

// Demo is --demo.
func (f *Flags) Demo() bool { return f.demo }

// namedFlagError names the flag whose value did not parse, and what it
// wants: kingpin says only "strconv.ParseFloat: parsing "$(SHARD)": invalid
// syntax", which leaves a user to guess which of twenty flags it meant.
func namedFlagError(app *kingpin.Application, args []string, err error) error {
	model := app.Model()
	flagsByName := map[string]*kingpin.FlagModel{}
	for _, fl := range model.Flags {
		flagsByName[fl.Name] = fl
	}
	for _, c := range model.Commands {
		for _, fl := range c.Flags {
			flagsByName[fl.Name] = fl
		}
	}
	for i, a := range args {
		name, value, inline := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		fl, ok := flagsByName[name]
		if !strings.HasPrefix(a, "--") || !ok || fl.IsBoolFlag() {
			continue
		}
		if !inline {
			if i+1 >= len(args) {
				continue
			}
			value = args[i+1]
		}
		if fl.Value.Set(value) == nil {
			continue // this one parses (the flags are lost anyway)
		}
		// kingpin's value types are unexported: named by their type.
		switch fmt.Sprintf("%T", fl.Value) {
		case "*kingpin.intValue", "*kingpin.int64Value", "*kingpin.uintValue", "*kingpin.uint64Value":
			return fmt.Errorf("--%s %q: want a whole number", name, value)
		case "*kingpin.float64Value":
			return fmt.Errorf("--%s %q: want a number", name, value)
		case "*kingpin.durationValue":
			return fmt.Errorf("--%s %q: want a duration with its unit, such as 30s or 2m", name, value)
		}
		return fmt.Errorf("--%s %q: %w", name, value, err)
	}
	// A flag's environment variable (WECHAT_EXPORTER_DEMO) that does not
	// parse: kingpin says only "strconv.ParseBool: parsing "yes"".
	for _, fl := range flagsByName {
		value, set := os.LookupEnv(fl.Envar)
		if fl.Envar == "" || !set || fl.Value.Set(value) == nil {
			continue
		}
		want := "a value of the flag's kind"
		if fl.IsBoolFlag() {
			want = "true or false (or 1 or 0)"
		}
		return fmt.Errorf("environment variable %s=%q (--%s): want %s", fl.Envar, value, fl.Name, want)
	}
	return err
}
