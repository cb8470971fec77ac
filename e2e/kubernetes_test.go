package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/internal/app"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

// k8sObject is the part of a Kubernetes object the test reads.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		ClusterIP   string                  `yaml:"clusterIP"`
		Selector    yaml.Node               `yaml:"selector"`
		Ports       []k8sPort               `yaml:"ports"`
		Replicas    int                     `yaml:"replicas"`
		ServiceName string                  `yaml:"serviceName"`
		Endpoints   []struct{ Port string } `yaml:"endpoints"`
		JobLabel    string                  `yaml:"jobLabel"`
		Template    struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				SecurityContext struct {
					RunAsUser int `yaml:"runAsUser"`
				} `yaml:"securityContext"`
				Containers []struct {
					Env []struct {
						Name      string `yaml:"name"`
						ValueFrom struct {
							FieldRef struct {
								FieldPath string `yaml:"fieldPath"`
							} `yaml:"fieldRef"`
						} `yaml:"valueFrom"`
					} `yaml:"env"`
					Args           []string  `yaml:"args"`
					Ports          []k8sPort `yaml:"ports"`
					LivenessProbe  k8sProbe  `yaml:"livenessProbe"`
					ReadinessProbe k8sProbe  `yaml:"readinessProbe"`
					VolumeMounts   []struct {
						Name      string `yaml:"name"`
						MountPath string `yaml:"mountPath"`
					} `yaml:"volumeMounts"`
				} `yaml:"containers"`
				Volumes []struct {
					Name      string `yaml:"name"`
					ConfigMap struct {
						Name string `yaml:"name"`
					} `yaml:"configMap"`
					Secret struct {
						SecretName string `yaml:"secretName"`
					} `yaml:"secret"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
		VolumeClaimTemplates []k8sNamed `yaml:"volumeClaimTemplates"`
	} `yaml:"spec"`
}

type k8sNamed struct {
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
}

type k8sPort struct {
	Name          string `yaml:"name"`
	Port          int    `yaml:"port"`
	ContainerPort int    `yaml:"containerPort"`
	TargetPort    string `yaml:"targetPort"`
}

type k8sProbe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

// TestKubernetesStatefulSet parses the shipped StatefulSet example and
// checks what the exporter relies on: each replica's shard is its pod
// index, passed without a shell; --total-shards equals the replicas; the
// arguments are flags the exporter accepts; the store is on the replica's
// own volume; the probes and the ServiceMonitor reach the exporter's port
// and pages; the configuration loads with the secrets mounted beside it.
func TestKubernetesStatefulSet(t *testing.T) {
	// The chart's render, and the Secret the user creates beside it.
	var b []byte
	for _, f := range []string{"examples/kubernetes/wechat-exporter.yaml", "examples/kubernetes/secret.yaml"} {
		b = append(append(b, exportertest.ReadFile(t, f)...), "\n---\n"...)
	}
	objs := map[string]k8sObject{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var o k8sObject
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if o.Kind != "" {
			objs[o.Kind] = o
		}
	}
	sts, svc, cm, secret, sm := objs["StatefulSet"], objs["Service"], objs["ConfigMap"], objs["Secret"], objs["ServiceMonitor"]
	if sts.Kind == "" || svc.Kind == "" || cm.Kind == "" || secret.Kind == "" || sm.Kind == "" {
		t.Fatalf("want a StatefulSet, Service, ConfigMap, Secret and ServiceMonitor; have %d objects", len(objs))
	}
	pod := sts.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]

	// The shard: the pod index, through the downward API and $(SHARD).
	shardEnv := ""
	for _, e := range c.Env {
		if e.ValueFrom.FieldRef.FieldPath == "metadata.labels['apps.kubernetes.io/pod-index']" {
			shardEnv = e.Name
		}
	}
	if shardEnv == "" || !slices.Contains(c.Args, "--shard=$("+shardEnv+")") {
		t.Errorf("--shard does not come from the pod index (env %q, args %v)", shardEnv, c.Args)
	}
	for ordinal := 0; ordinal < sts.Spec.Replicas; ordinal++ {
		args := slices.Clone(c.Args)
		for i := range args {
			args[i] = strings.ReplaceAll(args[i], "$("+shardEnv+")", strconv.Itoa(ordinal))
		}
		f, err := app.CheckArgs(args)
		if err != nil {
			t.Fatalf("replica %d: the exporter refuses its arguments: %v", ordinal, err)
		}
		if f.TotalShards() != sts.Spec.Replicas {
			t.Errorf("--total-shards=%d, but %d replicas", f.TotalShards(), sts.Spec.Replicas)
		}
		if ordinal > 0 {
			continue
		}
		// The store on the replica's own volume.
		mounts := map[string]string{}
		for _, m := range c.VolumeMounts {
			mounts[m.MountPath] = m.Name
		}
		data := mounts[f.StoragePath()]
		if data == "" || !slices.ContainsFunc(sts.Spec.VolumeClaimTemplates, func(v k8sNamed) bool { return v.Metadata.Name == data }) {
			t.Errorf("--storage.path=%s is not on a volume claim template (mounts %v)", f.StoragePath(), mounts)
		}
		if pod.SecurityContext.RunAsUser != 65532 {
			t.Errorf("runAsUser %d, want the image's user 65532 (owner of /data)", pod.SecurityContext.RunAsUser)
		}
		// The port, probes and scrape.
		if len(f.ListenAddresses()) != 1 {
			t.Fatalf("--web.listen-address %v, want one", f.ListenAddresses())
		}
		_, port, _ := strings.Cut((f.ListenAddresses())[0], ":")
		var portName string
		for _, p := range c.Ports {
			if strconv.Itoa(p.ContainerPort) == port {
				portName = p.Name
			}
		}
		if portName == "" {
			t.Fatalf("no container port %s (--web.listen-address)", port)
		}
		for probe, want := range map[*k8sProbe]string{&c.LivenessProbe: "/-/healthy", &c.ReadinessProbe: "/-/ready"} {
			if probe.HTTPGet.Path != want || probe.HTTPGet.Port != portName {
				t.Errorf("probe %+v, want %s on port %s", probe.HTTPGet, want, portName)
			}
		}
		if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != portName || svc.Spec.ClusterIP != "None" {
			t.Errorf("the Service %+v does not reach port %s of each replica", svc.Spec, portName)
		}
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != svc.Spec.Ports[0].Name {
			t.Errorf("the ServiceMonitor scrapes %+v, the Service's port is %s", sm.Spec.Endpoints, svc.Spec.Ports[0].Name)
		}
		for k, v := range sts.Spec.Template.Metadata.Labels {
			if svc.Metadata.Labels[k] != v {
				t.Errorf("the Service lacks the pods' label %s=%s that the ServiceMonitor selects on", k, v)
			}
		}
		// The ServiceMonitor names the job after the Service's label of
		// its jobLabel: the example's rules, built from the mixin, select
		// that job.
		job := svc.Metadata.Labels[sm.Spec.JobLabel]
		rules := exportertest.ReadFile(t, "examples/kubernetes/wechat-exporter-rules.yaml")
		if want := `job="` + job + `"`; job == "" || strings.Count(rules, want) < 20 || strings.Contains(rules, `job="wechat"`) {
			t.Errorf("examples/kubernetes/wechat-exporter-rules.yaml does not select the ServiceMonitor's job (%s) throughout", want)
		}
		// The configuration, from the ConfigMap, with the Secret's keys as
		// the files beside it.
		dir := t.TempDir()
		cfgDir, secretDir := "", ""
		for _, v := range pod.Volumes {
			for path, name := range mounts {
				if name != v.Name {
					continue
				}
				switch {
				case v.ConfigMap.Name == cm.Metadata.Name:
					cfgDir = path
				case v.Secret.SecretName == secret.Metadata.Name:
					secretDir = path
				}
			}
		}
		if filepath.Dir(f.ConfigFile()) != cfgDir || cfgDir == "" || secretDir == "" {
			t.Fatalf("--config.file=%s is not in the ConfigMap's mount %q (secrets at %q)", f.ConfigFile(), cfgDir, secretDir)
		}
		local := func(p string) string { return filepath.Join(dir, p) }
		writeAll := func(name string, body map[string]string) {
			if err := os.MkdirAll(local(name), 0o700); err != nil {
				t.Fatal(err)
			}
			for k, v := range body {
				if err := os.WriteFile(filepath.Join(local(name), k), []byte(v), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		writeAll(cfgDir, cm.Data)
		// As shipped, the Secret holds placeholders, which must not pass
		// for secrets: applied unchanged, the exporter says so at start
		// instead of WeChat refusing every call.
		writeAll(secretDir, secret.StringData)
		if _, err := config.Load(local(f.ConfigFile())); err == nil || !strings.Contains(err.Error(), "not an AppSecret") {
			t.Errorf("the Secret's placeholders load as AppSecrets: %v", err)
		}
		// With the placeholders replaced, as the user does, it loads.
		filled := map[string]string{}
		for k := range secret.StringData {
			filled[k] = exportertest.AppSecret(k)
		}
		writeAll(secretDir, filled)
		cfg, err := config.Load(local(f.ConfigFile()))
		if err != nil {
			t.Errorf("the ConfigMap's configuration does not load with the Secret beside it: %v", err)
		} else if len(cfg.Accounts) == 0 {
			t.Error("no accounts in the ConfigMap's configuration")
		}
	}
}
