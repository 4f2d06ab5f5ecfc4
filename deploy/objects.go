package deploy

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// Object is one Kubernetes object of a rendered manifest.
type Object struct {
	// Source is the template (or file) it came from.
	Source     string
	APIVersion string
	Kind       string
	Name       string
	// Doc is the whole object as decoded YAML.
	Doc map[string]any
}

// Objects splits manifests into their YAML documents, skipping empty ones,
// and refuses a document without apiVersion, kind or metadata.name.
func Objects(ms []Manifest) ([]Object, error) {
	var out []Object
	for _, m := range ms {
		dec := yaml.NewDecoder(strings.NewReader(m.Content))
		for n := 1; ; n++ {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", m.Source, n, err)
			}
			if doc == nil {
				continue
			}
			o := Object{Source: m.Source, Doc: doc}
			o.APIVersion, _ = doc["apiVersion"].(string)
			o.Kind, _ = doc["kind"].(string)
			if md, ok := doc["metadata"].(map[string]any); ok {
				o.Name, _ = md["name"].(string)
			}
			if o.APIVersion == "" || o.Kind == "" || o.Name == "" {
				return nil, fmt.Errorf("%s: document %d: want apiVersion, kind and metadata.name, got %q, %q, %q", m.Source, n, o.APIVersion, o.Kind, o.Name)
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// Workload is the pod template of a CronJob, Job or Deployment.
type Workload struct {
	Object
	Pod PodSpec
}

// PodSpec holds the fields of a pod spec the checks read.
type PodSpec struct {
	ServiceAccountName string         `yaml:"serviceAccountName"`
	RestartPolicy      string         `yaml:"restartPolicy"`
	SecurityContext    map[string]any `yaml:"securityContext"`
	Containers         []Container    `yaml:"containers"`
	InitContainers     []Container    `yaml:"initContainers"`
	Volumes            []Volume       `yaml:"volumes"`
}

// Container holds the fields of a container the checks read.
type Container struct {
	Name            string         `yaml:"name"`
	Image           string         `yaml:"image"`
	Command         []string       `yaml:"command"`
	Args            []string       `yaml:"args"`
	Env             []EnvVar       `yaml:"env"`
	EnvFrom         []any          `yaml:"envFrom"`
	Resources       Resources      `yaml:"resources"`
	SecurityContext map[string]any `yaml:"securityContext"`
	VolumeMounts    []VolumeMount  `yaml:"volumeMounts"`
}

// EnvVar is a container's environment variable.
type EnvVar struct {
	Name string `yaml:"name"`
	// Value is whatever the YAML holds: Kubernetes wants a string.
	Value     any           `yaml:"value"`
	ValueFrom *EnvVarSource `yaml:"valueFrom"`
}

// EnvVarSource is where an environment variable's value comes from.
type EnvVarSource struct {
	SecretKeyRef     *KeyRef        `yaml:"secretKeyRef"`
	ConfigMapKeyRef  *KeyRef        `yaml:"configMapKeyRef"`
	FieldRef         map[string]any `yaml:"fieldRef"`
	ResourceFieldRef map[string]any `yaml:"resourceFieldRef"`
}

// KeyRef names a key of a Secret or ConfigMap.
type KeyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

// Resources are a container's requests and limits.
type Resources struct {
	Requests map[string]string `yaml:"requests"`
	Limits   map[string]string `yaml:"limits"`
}

// VolumeMount mounts a volume into a container.
type VolumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly"`
}

// Volume is a pod's volume; only ConfigMap, Secret and emptyDir sources are read.
type Volume struct {
	Name      string         `yaml:"name"`
	ConfigMap map[string]any `yaml:"configMap"`
	Secret    map[string]any `yaml:"secret"`
	EmptyDir  map[string]any `yaml:"emptyDir"`
}

// Workloads finds the pod templates among objs: CronJob
// spec.jobTemplate.spec.template, Job and Deployment spec.template.
func Workloads(objs []Object) ([]Workload, error) {
	var out []Workload
	for _, o := range objs {
		var at []string
		switch o.Kind {
		case "CronJob":
			at = []string{"spec", "jobTemplate", "spec", "template", "spec"}
		case "Job", "Deployment", "StatefulSet", "DaemonSet":
			at = []string{"spec", "template", "spec"}
		default:
			continue
		}
		var node any = o.Doc
		for _, k := range at {
			m, ok := node.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: %s %s has no %s", o.Source, o.Kind, o.Name, strings.Join(at, "."))
			}
			node = m[k]
		}
		b, err := yaml.Marshal(node)
		if err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", o.Source, o.Kind, o.Name, err)
		}
		w := Workload{Object: o}
		if err := yaml.Unmarshal(b, &w.Pod); err != nil {
			return nil, fmt.Errorf("%s: %s %s: pod spec: %w", o.Source, o.Kind, o.Name, err)
		}
		out = append(out, w)
	}
	return out, nil
}

// Lookup follows keys through nested maps: Lookup(doc, "spec", "schedule").
func Lookup(doc map[string]any, keys ...string) (any, bool) {
	var node any = doc
	for _, k := range keys {
		m, ok := node.(map[string]any)
		if !ok {
			return nil, false
		}
		if node, ok = m[k]; !ok {
			return nil, false
		}
	}
	return node, true
}
