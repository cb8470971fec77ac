package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// schemaKeys returns every key of the configuration file, as paths
// ("accounts.name", "accounts.component.app_id"), from the yaml tags.
func schemaKeys(t reflect.Type, prefix string, out map[string]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[prefix+name] = true
		schemaKeys(t.Field(i).Type, prefix+name+".", out)
	}
}

// documentedKeys walks a YAML document's mapping keys as paths.
func documentedKeys(n *yaml.Node, prefix string, out map[string]bool) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			documentedKeys(c, prefix, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := prefix + n.Content[i].Value
			out[key] = true
			documentedKeys(n.Content[i+1], key+".", out)
		}
	}
}

// TestReadmeConfigurationKeys: every key of the README's configuration
// examples (its yaml blocks that start with the top-level "accounts:" or
// "discovery:") is a
// key the configuration has, and every key the configuration has is in
// one of those examples.
func TestReadmeConfigurationKeys(t *testing.T) {
	b, err := os.ReadFile("../docs/configuration.md") // the reference, every key in an example
	if err != nil {
		t.Fatal(err)
	}
	schema := map[string]bool{}
	schemaKeys(reflect.TypeOf(rawConfig{}), "", schema)
	documented := map[string]bool{}
	blocks := regexp.MustCompile("(?s)(<!-- [^>]* -->\n)?```yaml\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	n := 0
	for _, blk := range blocks {
		switch {
		case !strings.HasPrefix(blk[2], "accounts:") && !strings.HasPrefix(blk[2], "discovery:"):
			continue // another program's file (exporter-toolkit's web configuration)
		case strings.Contains(blk[1], "config-check example"):
			continue // a file with mistakes on purpose
		}
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(blk[2]), &doc); err != nil {
			t.Errorf("README configuration example does not parse: %v\n%s", err, blk[2])
			continue
		}
		documentedKeys(&doc, "", documented)
		n++
	}
	if n == 0 {
		t.Fatal("no configuration example in the README")
	}
	for k := range documented {
		if !schema[k] {
			t.Errorf("the README's configuration examples use %q, which the configuration does not have", k)
		}
	}
	for k := range schema {
		if !documented[k] {
			t.Errorf("the configuration key %q is in no configuration example of the README", k)
		}
	}
}
